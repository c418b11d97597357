import { useEffect, useState } from 'react';
import { subscribe } from '../api';
import { useQuery } from '../hooks';
import { ErrorBox, Interval, Status, link } from '../components/Common';
import { fixed, short } from '../format';

const SWEEP_SELECTION = `status search varied maxParallel metric { suite setting metric }
  earlyTermination { minValidations minTrials }
  counts { pending running evaluating done stoppedEarly failed cancelled }
  trials { index runId state step totalSteps bestValidationLoss stopReason
    params { strategy alpha seed learningRate batchSize scale weightDecay warmupSteps }
    result { estimate lo hi } rank tiedWithBest }`;
const SWEEP = `query($id: ID!) { experiment(id: $id) { sweep { ${SWEEP_SELECTION} } } }`;

const paramText = (trial: any, varied: string[]) => varied.map((name) => `${name}=${trial.params[name]}`).join(' ');

/** Dot and whisker per ranked trial: where the intervals overlap, the data do not separate trials. */
function RankingChart({ ranked, label }: { ranked: any[]; label: string }) {
  if (ranked.length === 0) return null;
  const lo = Math.min(...ranked.map((t) => t.result.lo));
  const hi = Math.max(...ranked.map((t) => t.result.hi));
  const width = 420;
  const row = 22;
  const x = (v: number) => 150 + ((v - lo) / Math.max(1e-9, hi - lo)) * (width - 170);
  return (
    <svg className="ranking-chart" role="img" aria-label={`Ranking by ${label}: ${ranked.length} trials`} data-trials={ranked.length} width={width} height={ranked.length * row + 24}>
      {ranked.map((t, i) => (
        <g key={t.runId} transform={`translate(0, ${i * row + 14})`}>
          <text x={0} y={4} fontSize={11}>#{t.rank} trial {t.index}</text>
          <line x1={x(t.result.lo)} x2={x(t.result.hi)} y1={0} y2={0} stroke="currentColor" strokeWidth={2} opacity={t.tiedWithBest ? 1 : 0.4} />
          <circle cx={x(t.result.estimate)} cy={0} r={4} fill={t.tiedWithBest ? '#2563eb' : '#94a3b8'} />
        </g>
      ))}
      <text x={150} y={ranked.length * row + 20} fontSize={10}>{fixed(lo)}</text>
      <text x={width - 40} y={ranked.length * row + 20} fontSize={10}>{fixed(hi)}</text>
    </svg>
  );
}

/** A sweep's trials and ranking, live (sweepProgress) while it runs. */
function SweepView({ experimentId, initial }: { experimentId: string; initial: any }) {
  const [sweep, setSweep] = useState<any>(initial);
  const [error, setError] = useState<Error>();
  useEffect(() => setSweep(initial), [initial]);
  useEffect(() => {
    if (initial.status !== 'RUNNING') return;
    return subscribe(`subscription($id: ID!) { sweepProgress(experimentId: $id) { ${SWEEP_SELECTION} } }`, { id: experimentId }, (data) => setSweep(data.sweepProgress), setError);
  }, [experimentId, initial.status]);
  const metric = `${sweep.metric.suite} ${sweep.metric.setting}.${sweep.metric.metric}`;
  const ranked = sweep.trials.filter((t: any) => t.rank !== null).sort((a: any, b: any) => a.rank - b.rank);
  const c = sweep.counts;
  return (
    <div className="sweep" aria-label="Sweep">
      <ErrorBox error={error} />
      <p>
        {sweep.search.toLowerCase()} sweep over {sweep.varied.join(', ')} · at most {sweep.maxParallel} training at a time
        {sweep.earlyTermination && ` · median stopping after ${sweep.earlyTermination.minValidations} validation(s)`} · ranked by {metric}
      </p>
      <p className="sweep-counts">{c.pending} pending, {c.running} running, {c.evaluating} evaluating, {c.done} done, {c.stoppedEarly} stopped early, {c.failed} failed</p>
      <RankingChart ranked={ranked} label={metric} />
      <table className="sweep-trials">
        <thead><tr><th>#</th><th>settings</th><th>state</th><th>steps</th><th>best val. loss</th><th>{metric}</th><th>rank</th></tr></thead>
        <tbody>
          {sweep.trials.map((t: any) => (
            <tr key={t.runId} data-state={t.state}>
              <td><a href={link('runs', t.runId)}>{t.index}</a> <small>{short(t.runId)}</small></td>
              <td>{paramText(t, sweep.varied)}</td>
              <td><Status value={t.state} /></td>
              <td><progress max={t.totalSteps} value={t.step} /> {t.step}/{t.totalSteps}</td>
              <td>{fixed(t.bestValidationLoss)}</td>
              <td>{t.result ? <Interval {...t.result} /> : '–'}</td>
              <td>{t.rank ?? '–'}{t.tiedWithBest ? ' ≈ best' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Trials of one sweep, read when opened (one sweep per request) and followed live while it runs. */
export function SweepPanel({ experimentId }: { experimentId: string }) {
  const [open, setOpen] = useState(false);
  const sweep = useQuery(SWEEP, { id: experimentId }, { skip: !open });
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Trials</summary>
      <ErrorBox error={sweep.error} />
      {open && sweep.data?.experiment?.sweep && <SweepView experimentId={experimentId} initial={sweep.data.experiment.sweep} />}
    </details>
  );
}
