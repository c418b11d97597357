import { useEffect, useMemo, useRef, useState } from 'react';
import { gql, subscribe } from '../api';
import { ErrorBox, Section, Status, link } from '../components/Common';
import { LineChart, type Series } from '../components/LineChart';
import { duration, fixed, short } from '../format';
import { useQuery } from '../hooks';

const RUN = `query($id: ID!) { run(id: $id) {
  id status strategy alpha trainDatasets languages seed backend error createdBy createdAt startedAt finishedAt evaluationSuites
  model { family dimension layers heads vocabularySize tokenizer pooling baseModel }
  hyperParameters { steps batchSize learningRate weightDecay warmupSteps scale logEvery validateEvery validationFraction checkpointEvery keepCheckpoints }
  checkpoints { id step createdAt prunedAt }
  evaluations { id suite dataset step headlines { name estimate lo hi } }
  jobs { id kind status state attempts error workerId waitingFor } } }`;

const PROGRESS = `subscription($runId: ID!, $sinceStep: Int) { trainingProgress(runId: $runId, sinceStep: $sinceStep) {
  step totalSteps loss learningRate pairsPerSecond validationLoss status error replayed
  batchComposition { pair count } validations { suite headlines { name value } } } }`;

interface Curves {
  step: number[];
  loss: Array<number | null>;
  validationLoss: Array<number | null>;
  learningRate: Array<number | null>;
  pairs: Array<number | null>;
  /** "<suite> <headline>" -> (step, value) */
  validations: Map<string, { xs: number[]; ys: number[] }>;
  composition: Array<{ pair: string; count: number }>;
  totalSteps: number;
  status?: string;
  /** Bumped on every change: what the charts' memo follows. */
  version: number;
  /** (suite, headline, step) already drawn: a reconnect replays from the start. */
  seen: Set<string>;
  error?: Error;
}

const empty = (): Curves => ({ step: [], loss: [], validationLoss: [], learningRate: [], pairs: [], validations: new Map(), composition: [], totalSteps: 0, version: 0, seen: new Set() });
const ended = (s?: string) => s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELLED';

/** trainingProgress: the stored points replayed, then live ones; drawn at most 4 times a second. */
function useProgress(runId: string): Curves {
  const curves = useRef<Curves>(empty());
  const [, setVersion] = useState(0);
  useEffect(() => {
    curves.current = empty();
    let dirty = false;
    const timer = setInterval(() => dirty && ((dirty = false), setVersion((v) => v + 1)), 250);
    const stop = subscribe(PROGRESS, { runId }, ({ trainingProgress: p }) => {
      const c = curves.current;
      c.totalSteps = p.totalSteps;
      // Replayed points say RUNNING whatever the run is now; only live items and the end tell.
      if (!p.replayed || ended(p.status)) c.status = p.status;
      c.error = undefined;
      c.version++;
      if (p.loss !== null && p.loss !== undefined && p.step > (c.step.at(-1) ?? 0)) {
        c.step.push(p.step);
        c.loss.push(p.loss);
        c.validationLoss.push(p.validationLoss ?? null);
        c.learningRate.push(p.learningRate ?? null);
        c.pairs.push(p.pairsPerSecond ?? null);
      }
      if (p.batchComposition?.length) c.composition = p.batchComposition;
      for (const v of p.validations ?? []) {
        for (const h of v.headlines) {
          const key = `${v.suite} ${h.name}`;
          const point = `${key} ${p.step}`;
          if (c.seen.has(point)) continue;
          c.seen.add(point);
          const series = c.validations.get(key) ?? { xs: [], ys: [] };
          series.xs.push(p.step);
          series.ys.push(h.value);
          c.validations.set(key, series);
        }
      }
      dirty = true;
    }, (error) => {
      curves.current.error = error;
      curves.current.version++;
      dirty = true;
    });
    return () => {
      clearInterval(timer);
      stop();
    };
  }, [runId]);
  return curves.current;
}

function StopButton({ runId, onStopped }: { runId: string; onStopped: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<Error>();
  return (
    <>
      <button className="danger" onClick={() => dialog.current?.showModal()}>Stop</button>
      <dialog ref={dialog} aria-labelledby="stop-title">
        <h3 id="stop-title">Stop run {short(runId)}?</h3>
        <p>The run is cancelled: its job stops at the next step and keeps its checkpoints.</p>
        <ErrorBox error={error} />
        <div className="dialog-actions">
          <button onClick={() => dialog.current?.close()} autoFocus>Keep running</button>
          <button className="danger" onClick={() => gql('mutation($id: ID!) { cancelRun(id: $id) { id status } }', { id: runId }).then(() => (dialog.current?.close(), onStopped()), setError)}>
            Stop the run
          </button>
        </div>
      </dialog>
    </>
  );
}

export function RunPage({ id }: { id: string }) {
  const run = useQuery(RUN, { id }, { pollMs: 5_000 });
  const progress = useProgress(id);
  const r = run.data?.run;
  const { version } = progress;
  const charts = useMemo(() => {
    const s = (label: string, ys: Array<number | null>): Series => ({ label, xs: progress.step, ys });
    return {
      loss: [s('loss', progress.loss), ...(progress.validationLoss.some((v) => v !== null) ? [s('validation loss', progress.validationLoss)] : [])],
      lr: [s('learning rate', progress.learningRate)],
      pairs: [s('pairs/s', progress.pairs)],
      validations: [...progress.validations].filter(([k]) => /\.map$/.test(k)).map(([label, v]) => ({ label, xs: v.xs, ys: v.ys })),
    };
    // progress arrays grow in place; version says when
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);
  if (run.error) return <ErrorBox error={run.error} />;
  if (!r) return <p>Loading…</p>;
  // The run row is polled, progress streams: an end from either wins, else the freshest.
  const status = ended(r.status) ? r.status : ended(progress.status) ? progress.status! : (progress.status ?? r.status);
  const live = status === 'QUEUED' || status === 'RUNNING';
  const failedJobs = r.jobs.filter((j: any) => j.error);
  const totalComposition = progress.composition.reduce((n, c) => n + c.count, 0);
  return (
    <>
      <Section title={`Run ${short(r.id)}`} actions={live ? <StopButton runId={r.id} onStopped={run.reload} /> : null}>
        <dl className="facts">
          <dt>status</dt><dd><Status value={status} /> {progress.step.length > 0 && <span className="muted">step {progress.step.at(-1)} of {progress.totalSteps}</span>}</dd>
          <dt>strategy</dt><dd>{r.strategy} (alpha {r.alpha})</dd>
          <dt>datasets</dt><dd>{r.trainDatasets.join(', ')}</dd>
          <dt>languages</dt><dd>{r.languages.join(' ')}</dd>
          <dt>backend</dt><dd>{r.backend ?? '–'}</dd>
          <dt>created by</dt><dd>{r.createdBy ?? '–'}</dd>
          <dt>duration</dt><dd>{duration(r.startedAt, r.finishedAt)}</dd>
        </dl>
        {r.jobs.filter((j: any) => j.waitingFor).map((j: any) => (
          <p key={j.id} className="waiting" role="status">Waiting for a worker: {j.waitingFor}</p>
        ))}
        {r.error && <p className="error" role="alert">{r.error}</p>}
        {failedJobs.map((j: any) => <p key={j.id} className="error">{j.kind} job {short(j.id)} (attempt {j.attempts}): {j.error}</p>)}
      </Section>
      <Section title="Training curves">
        {progress.error && <p className="error" role="alert">Live progress stopped: {progress.error.message} (reload the page to reconnect)</p>}
        <div className="grid2">
          <LineChart title="Loss" series={charts.loss} />
          <LineChart title="Learning rate" series={charts.lr} />
          <LineChart title="Pairs per second" series={charts.pairs} />
          {charts.validations.length > 0 ? <LineChart title="Validation mAP" series={charts.validations} /> : <p className="muted">No validation suite during training.</p>}
        </div>
      </Section>
      <div className="grid2">
        <Section title="Batch composition (last logged step)">
          {totalComposition === 0 ? <p className="muted">No step logged yet.</p> : (
            <ul className="bars">
              {progress.composition.map((c) => (
                <li key={c.pair}><span>{c.pair}</span><meter min={0} max={totalComposition} value={c.count} /> <span>{c.count}</span></li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Settings">
          <table className="kv"><tbody>
            {Object.entries({ ...r.hyperParameters, ...Object.fromEntries(Object.entries(r.model).map(([k, v]) => [`model.${k}`, v])), seed: r.seed })
              .filter(([, v]) => v !== null)
              .map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{String(v)}</td></tr>)}
          </tbody></table>
        </Section>
      </div>
      <div className="grid2">
        <Section title="Checkpoints">
          <table className="list"><thead><tr><th scope="col">step</th><th scope="col">id</th><th scope="col">kept</th></tr></thead>
            <tbody>{r.checkpoints.map((c: any) => <tr key={c.id}><td>{c.step}</td><td>{short(c.id)}</td><td>{c.prunedAt ? 'pruned' : 'yes'}</td></tr>)}</tbody>
          </table>
        </Section>
        <Section title="Evaluations">
          <table className="list"><thead><tr><th scope="col">suite</th><th scope="col">step</th><th scope="col">mono mAP</th><th scope="col"></th></tr></thead>
            <tbody>{r.evaluations.map((e: any) => (
              <tr key={e.id}><td>{e.suite === 'IMPORTED_RETRIEVAL' || e.suite === 'IMPORTED_BITEXT' ? e.dataset : e.suite}</td><td>{e.step ?? 'final'}</td>
                <td>{fixed(e.headlines.find((h: any) => h.name === 'mono.map')?.estimate)}</td><td><a href={link('evaluations', e.id)}>open</a></td></tr>
            ))}</tbody>
          </table>
        </Section>
      </div>
    </>
  );
}
