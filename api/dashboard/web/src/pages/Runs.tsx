import { useEffect, useState } from 'react';
import { subscribe } from '../api';
import { ErrorBox, Section, Status, link } from '../components/Common';
import { duration, short } from '../format';
import { useQuery } from '../hooks';

const RUNS = `query($first: Int, $after: String, $filter: RunFilter) { runs(first: $first, after: $after, filter: $filter) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id status strategy alpha trainDatasets languages backend createdBy createdAt startedAt finishedAt } } } }`;

const STATUSES = ['', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const STRATEGIES = ['', 'MONO', 'CROSS', 'HYBRID'];
const PAGE = 20;

export function RunsPage() {
  const [status, setStatus] = useState('');
  const [strategy, setStrategy] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const filter = { ...(status ? { status } : {}), ...(strategy ? { strategy } : {}) };
  const runs = useQuery(RUNS, { first: PAGE, after: cursors.at(-1) ?? null, filter }, { pollMs: 10_000 });
  // Live status: any run's status change reloads the page of runs.
  useEffect(() => subscribe('subscription { runStatusChanged { runId status } }', {}, () => runs.reload()), [runs.reload]);
  const connection = runs.data?.runs;
  return (
    <Section
      title={`Runs${connection ? ` (${connection.totalCount})` : ''}`}
      actions={
        <div className="filters">
          <label>Status <select value={status} onChange={(e) => (setStatus(e.target.value), setCursors([]))}>{STATUSES.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}</select></label>
          <label>Strategy <select value={strategy} onChange={(e) => (setStrategy(e.target.value), setCursors([]))}>{STRATEGIES.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}</select></label>
          <a className={`button${selected.length < 2 ? ' disabled' : ''}`} aria-disabled={selected.length < 2} href={selected.length >= 2 ? `#/compare?runs=${selected.join(',')}` : undefined}>Compare {selected.length || ''}</a>
        </div>
      }
    >
      <ErrorBox error={runs.error} />
      <table className="list">
        <thead>
          <tr><th scope="col">compare</th><th scope="col">run</th><th scope="col">status</th><th scope="col">strategy</th><th scope="col">alpha</th><th scope="col">datasets</th><th scope="col">languages</th><th scope="col">backend</th><th scope="col">created by</th><th scope="col">duration</th></tr>
        </thead>
        <tbody>
          {connection?.edges.map(({ node: r }: any) => (
            <tr key={r.id}>
              <td>
                <input type="checkbox" aria-label={`compare run ${short(r.id)}`} checked={selected.includes(r.id)} disabled={!selected.includes(r.id) && selected.length >= 4}
                  onChange={(e) => setSelected((s) => (e.target.checked ? [...s, r.id] : s.filter((x) => x !== r.id)))} />
              </td>
              <td><a href={link('runs', r.id)}>{short(r.id)}</a></td>
              <td><Status value={r.status} /></td>
              <td>{r.strategy}</td>
              <td>{r.alpha}</td>
              <td>{r.trainDatasets.join(', ')}</td>
              <td>{r.languages.join(' ')}</td>
              <td>{r.backend?.split(' ')[0] ?? '–'}</td>
              <td>{r.createdBy ?? '–'}</td>
              <td>{duration(r.startedAt, r.finishedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</button>
        <button disabled={!connection?.pageInfo.hasNextPage} onClick={() => setCursors((c) => [...c, connection.pageInfo.endCursor])}>Next</button>
      </div>
    </Section>
  );
}
