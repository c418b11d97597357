import { ErrorBox, Interval, Section, link } from '../components/Common';
import { Heatmap } from '../components/Heatmap';
import { fixed, short } from '../format';
import { useQuery } from '../hooks';

const LIST = `{ evaluations(first: 50) { id suite dataset runId checkpointId baseline step queries sampleSized createdAt retrieval { mode }
  headlines { name estimate lo hi } } }`;

const REPORT = `query($id: ID!) { report: evaluation(id: $id) {
  id suite dataset runId checkpointId baseline step queries sampleSized createdAt retrieval { mode dictionary fusion { method k denseWeight } }
  headlines { name estimate lo hi }
  map: matrix(metric: MAP, setting: MONO_CROSS) { queryLanguages candidateLanguages values }
  rank: matrix(metric: RANK_DISTANCE, setting: MULTI) { queryLanguages candidateLanguages values }
  alignment { languages meanTranslationAccuracy meanSimilarityIndex meanCka pooledMap { estimate lo hi } translationAccuracy cka } } }`;

export const suiteName = (e: { suite: string; dataset: string }) => (e.suite.startsWith('IMPORTED_') ? `${e.dataset} (imported)` : e.suite);
const who = (e: any) => (e.baseline ? `baseline ${e.baseline}` : e.runId ? `run ${short(e.runId)}` : `checkpoint ${short(e.checkpointId ?? '')}`);

export function EvaluationsPage() {
  const list = useQuery(LIST, {}, { pollMs: 15_000 });
  return (
    <Section title="Evaluations">
      <ErrorBox error={list.error} />
      <table className="list">
        <thead><tr><th scope="col">suite</th><th scope="col">evaluated</th><th scope="col">mode</th><th scope="col">queries</th><th scope="col">mono mAP</th><th scope="col">cross mAP</th><th scope="col">multi mAP</th><th scope="col"></th></tr></thead>
        <tbody>
          {list.data?.evaluations.map((e: any) => {
            const h = (name: string) => e.headlines.find((x: any) => x.name === name);
            return (
              <tr key={e.id}>
                <td>{suiteName(e)}{e.sampleSized ? ' · sample' : ''}</td>
                <td>{who(e)}{e.step !== null ? ` @${e.step}` : ''}</td>
                <td>{e.retrieval?.mode ?? '–'}</td>
                <td>{e.queries}</td>
                {['mono.map', 'cross.map', 'multi.map'].map((n) => <td key={n}>{h(n) ? <Interval {...h(n)} /> : '–'}</td>)}
                <td><a href={link('evaluations', e.id)}>open</a></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Section>
  );
}

export function EvaluationPage({ id }: { id: string }) {
  const data = useQuery(REPORT, { id });
  const e = data.data?.report;
  if (data.error) return <ErrorBox error={data.error} />;
  if (!data.data) return <p>Loading…</p>;
  if (!e) return <p className="error">No evaluation report {short(id)}.</p>;
  return (
    <>
      <Section title={`${suiteName(e)} · ${who(e)}`}>
        <p className="muted">
          {e.queries} queries{e.retrieval ? ` · ${e.retrieval.mode}` : ''}{e.sampleSized ? ' · computed on the demo sample: not comparable with the full suite' : ''} · 95% bootstrap intervals
        </p>
        <table className="list">
          <thead><tr><th scope="col">headline</th><th scope="col">estimate [95% interval]</th></tr></thead>
          <tbody>{e.headlines.map((h: any) => <tr key={h.name}><th scope="row">{h.name}</th><td><Interval {...h} digits={h.name.endsWith('rankDistance') ? 1 : 3} /></td></tr>)}</tbody>
        </table>
      </Section>
      {e.map && (
        <Section title="Language pairs">
          <Heatmap title="mAP, query language × candidate language (mono on the diagonal, cross off it)" matrix={e.map} />
          {e.rank && <Heatmap title="Multilingual rank distance: the gap between the ranks of a question's relevant candidates in different languages (pool of all languages; lower is less language-biased)" matrix={e.rank} digits={0} />}
        </Section>
      )}
      {e.alignment && (
        <Section title="XNLI alignment">
          <p>
            translation accuracy {fixed(e.alignment.meanTranslationAccuracy)} · similarity index {fixed(e.alignment.meanSimilarityIndex)} · CKA {fixed(e.alignment.meanCka)} · pooled mAP <Interval {...e.alignment.pooledMap} />
          </p>
          <div className="grid2">
            <Heatmap title="Translation-matching accuracy" matrix={{ queryLanguages: e.alignment.languages, candidateLanguages: e.alignment.languages, values: e.alignment.translationAccuracy }} />
            <Heatmap title="Linear CKA" matrix={{ queryLanguages: e.alignment.languages, candidateLanguages: e.alignment.languages, values: e.alignment.cka }} />
          </div>
        </Section>
      )}
    </>
  );
}
