import { useState } from 'react';
import { ErrorBox, Section, Status, link } from '../components/Common';
import { ago, short } from '../format';
import { useQuery } from '../hooks';

const JOBS = `query($status: JobStatus) { jobs(first: 100, status: $status) { id kind status state workerClass waitingFor attempts runId workerId error createdAt updatedAt lastHeartbeat progress { done total unit detail } } }`;
const WORKERS = `{ workers { id backend capabilities workerClasses startedAt lastSeen } }`;
const STATES = ['', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

export function JobsPage() {
  const [status, setStatus] = useState('');
  const jobs = useQuery(JOBS, status ? { status } : {}, { pollMs: 3_000 });
  const all = useQuery(`{ jobs(first: 100) { status } }`, {}, { pollMs: 3_000 });
  const workers = useQuery(WORKERS, {}, { pollMs: 5_000 });
  const counts = new Map<string, number>();
  for (const j of all.data?.jobs ?? []) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
  return (
    <>
      <Section title="Workers">
        <ErrorBox error={workers.error} />
        <table className="list">
          <thead><tr><th scope="col">worker</th><th scope="col">backend · classes</th><th scope="col">takes</th><th scope="col">last heartbeat</th><th scope="col">started</th></tr></thead>
          <tbody>{workers.data?.workers.map((w: any) => (
            <tr key={w.id}><td>{w.id}</td><td>{w.backend ?? '–'} · {w.workerClasses.join(', ')}</td><td>{w.capabilities.join(', ')}</td><td>{ago(w.lastSeen)}</td><td>{ago(w.startedAt)}</td></tr>
          ))}</tbody>
        </table>
      </Section>
      <Section
        title="Jobs"
        actions={<label>State <select value={status} onChange={(e) => setStatus(e.target.value)}>{STATES.map((s) => <option key={s} value={s}>{s ? `${s} (${counts.get(s) ?? 0} of the latest 100)` : 'any'}</option>)}</select></label>}
      >
        <ErrorBox error={jobs.error} />
        <table className="list">
          <thead><tr><th scope="col">job</th><th scope="col">kind</th><th scope="col">state</th><th scope="col">attempts</th><th scope="col">run</th><th scope="col">worker</th><th scope="col">heartbeat</th><th scope="col">progress / error</th></tr></thead>
          <tbody>{jobs.data?.jobs.map((j: any) => (
            <tr key={j.id}>
              <td>{short(j.id)}</td><td>{j.kind}{j.workerClass === 'gpu' ? ' · GPU' : ''}</td><td><Status value={j.state} /></td><td>{j.attempts}</td>
              <td>{j.runId ? <a href={link('runs', j.runId)}>{short(j.runId)}</a> : '–'}</td>
              <td>{j.workerId ?? '–'}</td><td>{ago(j.lastHeartbeat)}</td>
              <td>{j.error ? <span className="error">{j.error}</span> : j.waitingFor ? <span className="muted">{j.waitingFor}</span> : j.progress ? `${j.progress.detail} ${Math.round((100 * j.progress.done) / (j.progress.total || 1))}%` : ''}</td>
            </tr>
          ))}</tbody>
        </table>
      </Section>
    </>
  );
}
