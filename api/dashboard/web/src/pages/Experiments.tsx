import { useState } from 'react';
import { ErrorBox, Section, Status, link } from '../components/Common';
import { short } from '../format';
import { useQuery } from '../hooks';
import { SweepPanel } from './Sweep';

const EXPERIMENTS = `{ experiments { id name preset status createdAt finishedAt report
  kind progress { runs runsFinished jobs queued running succeeded failed } runs { id status strategy alpha seed } } }`;

/** A report's figures, read when asked for (megabytes of SVG). */
function Figures({ id }: { id: string }) {
  const [shown, setShown] = useState(false);
  const figures = useQuery(`query($id: ID!) { experiment(id: $id) { figures { name svg } } }`, { id }, { skip: !shown });
  if (!shown) return <button onClick={() => setShown(true)}>Show figures</button>;
  return (
    <div className="figures">
      <ErrorBox error={figures.error} />
      {/* As images (data: URLs), never inlined: an SVG file cannot run script in the page. */}
      {figures.data?.experiment?.figures.map((f: any) => (
        <figure key={f.name}><img src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(f.svg)}`} alt={f.name} /><figcaption>{f.name}</figcaption></figure>
      ))}
    </div>
  );
}

export function ExperimentsPage() {
  const list = useQuery(EXPERIMENTS, {}, { pollMs: 10_000 });
  return (
    <Section title="Experiments">
      <ErrorBox error={list.error} />
      {list.data?.experiments.length === 0 && <p className="muted">No experiment yet: <code>npm run experiment -- --preset smoke</code> or the startExperiment mutation.</p>}
      {list.data?.experiments.map((x: any) => (
        <article key={x.id} className="card">
          <h3>{x.name} {x.preset && <small>({x.preset})</small>} {x.status && <Status value={x.status} />}</h3>
          {x.progress && (
            <p>
              <label>runs finished <progress max={x.progress.runs || 1} value={x.progress.runsFinished} /> {x.progress.runsFinished}/{x.progress.runs}</label>
              {' · '}jobs: {x.progress.queued} queued, {x.progress.running} running, {x.progress.succeeded} succeeded, {x.progress.failed} failed
            </p>
          )}
          {x.kind !== 'MANUAL' && <SweepPanel experimentId={x.id} />}
          <p className="runs">{x.runs.map((r: any) => <a key={r.id} href={link('runs', r.id)}><Status value={r.status} /> {short(r.id)} {r.strategy} α={r.alpha} s={r.seed}</a>)}</p>
          {x.report && (
            <details>
              <summary>Report</summary>
              <pre className="report">{x.report}</pre>
            </details>
          )}
          {x.report && <Figures id={x.id} />}
        </article>
      ))}
    </Section>
  );
}
