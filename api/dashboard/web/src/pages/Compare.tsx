import { useEffect, useState } from 'react';
import { gql } from '../api';
import { ErrorBox, Interval, Section, link } from '../components/Common';
import { Heatmap, type Matrix } from '../components/Heatmap';
import { LineChart, type Series } from '../components/LineChart';
import { short } from '../format';
import { suiteName } from './Evaluation';

// Final evaluations only (not validations during training), newest first.
const RUN = `query($id: ID!) { run(id: $id) { id status strategy alpha trainDatasets }
  evaluations(filter: { runId: $id, duringTraining: false }, first: 50) { id suite dataset step retrieval { mode } headlines { name estimate lo hi }
    map: matrix(metric: MAP, setting: MONO_CROSS) { queryLanguages candidateLanguages values } } }`;

// Pages of loss points: a page's cost (points x fields) stays under the gateway's complexity limit.
const LOSS = `query($id: ID!, $since: Int) { run(id: $id) { metrics(names: ["loss"], sinceStep: $since, first: 5000) { step value } } }`;

async function lossOf(id: string): Promise<Array<{ step: number; value: number }>> {
  const points: Array<{ step: number; value: number }> = [];
  for (let since = 0; ; ) {
    const page = (await gql(LOSS, { id, since })).run.metrics as Array<{ step: number; value: number }>;
    points.push(...page);
    if (page.length < 5000) return points;
    since = page.at(-1)!.step + 1;
  }
}

const HEADLINES = ['mono.map', 'cross.map', 'multi.map', 'multi.rankDistance'];

/** The newest final evaluation of each suite and mode (the list comes newest first). */
function finals(run: any): Map<string, any> {
  const byKey = new Map<string, any>();
  for (const e of run.evaluations) {
    const key = `${suiteName(e)} ${e.retrieval?.mode ?? ''}`.trim();
    if (!byKey.has(key)) byKey.set(key, e);
  }
  return byKey;
}

function difference(a: Matrix, b: Matrix): Matrix {
  return {
    queryLanguages: a.queryLanguages,
    candidateLanguages: a.candidateLanguages,
    values: a.queryLanguages.map((q, i) => a.candidateLanguages.map((c, j) => {
      const bi = b.queryLanguages.indexOf(q);
      const bj = b.candidateLanguages.indexOf(c);
      const x = a.values[i]?.[j];
      const y = bi < 0 || bj < 0 ? null : b.values[bi]?.[bj];
      return x === null || x === undefined || y === null || y === undefined ? null : y - x;
    })),
  };
}

export function ComparePage({ ids }: { ids: string[] }) {
  const [runs, setRuns] = useState<any[]>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    if (ids.length < 2) return;
    setRuns(undefined);
    let current = true;
    Promise.all(ids.slice(0, 4).map(async (id) => {
      const data = await gql(RUN, { id });
      return { ...data.run, evaluations: data.evaluations, loss: await lossOf(id) };
    })).then((r) => current && setRuns(r), (e) => current && setError(e));
    return () => {
      current = false;
    };
  }, [ids.join(',')]);
  if (ids.length < 2) return <Section title="Compare runs"><p>Tick 2 to 4 runs on the <a href="#/runs">runs page</a>, then press Compare.</p></Section>;
  if (error) return <ErrorBox error={error} />;
  if (!runs) return <p>Loading…</p>;
  const loss: Series[] = runs.map((r) => ({ label: `${short(r.id)} ${r.strategy} α=${r.alpha}`, xs: r.loss.map((m: any) => m.step), ys: r.loss.map((m: any) => m.value) }));
  const evaluated = runs.map(finals);
  const suites = [...new Set(evaluated.flatMap((m) => [...m.keys()]))].sort();
  const [base, other] = evaluated;
  return (
    <>
      <Section title={`Compare ${runs.map((r) => short(r.id)).join(' · ')}`}>
        <LineChart title="Loss" series={loss} height={260} />
      </Section>
      {suites.map((suite) => (
        <Section key={suite} title={suite}>
          <table className="list">
            <thead><tr><th scope="col">headline</th>{runs.map((r) => <th scope="col" key={r.id}><a href={link('runs', r.id)}>{short(r.id)}</a></th>)}</tr></thead>
            <tbody>
              {HEADLINES.map((name) => (
                <tr key={name}><th scope="row">{name}</th>
                  {evaluated.map((m, i) => {
                    const h = m.get(suite)?.headlines.find((x: any) => x.name === name);
                    return <td key={runs[i].id}>{h ? <Interval {...h} digits={name.endsWith('rankDistance') ? 1 : 3} /> : '–'}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          {base?.get(suite)?.map && other?.get(suite)?.map && (
            <Heatmap title={`mAP difference per language pair: ${short(runs[1].id)} − ${short(runs[0].id)}`} matrix={difference(base.get(suite).map, other.get(suite).map)} diverging />
          )}
        </Section>
      ))}
      {suites.length === 0 && <p className="muted">None of these runs has a final evaluation yet.</p>}
    </>
  );
}
