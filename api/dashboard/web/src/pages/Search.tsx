import { useState } from 'react';
import { gql } from '../api';
import { ErrorBox, Section } from '../components/Common';
import { fixed, short } from '../format';
import { useQuery } from '../hooks';

const COLLECTIONS = `{ collections { id name alias dataset languages size createdAt checkpointId languageBias { searches hits sameLanguageShare } } }`;
const SEARCH = `query($inputs: [SearchInput!]!) { searchBatch(inputs: $inputs) { queryLanguage retrieval { mode } hits { documentId language score text } } }`;
const MODES = ['DENSE', 'LEXICAL', 'HYBRID'] as const;

function Promote({ collectionId, onDone }: { collectionId: string; onDone: () => void }) {
  const [alias, setAlias] = useState('');
  const [error, setError] = useState<Error>();
  return (
    <form className="inline" onSubmit={(e) => {
      e.preventDefault();
      gql('mutation($alias: String!, $id: ID!) { promoteCollection(alias: $alias, collectionId: $id) { id alias } }', { alias, id: collectionId }).then(() => (setAlias(''), setError(undefined), onDone()), setError);
    }}>
      <label>alias <input value={alias} onChange={(e) => setAlias(e.target.value)} size={10} required /></label>
      <button type="submit">Promote</button>
      <ErrorBox error={error} />
    </form>
  );
}

export function SearchPage() {
  const collections = useQuery(COLLECTIONS, {}, { pollMs: 10_000 });
  const list = collections.data?.collections ?? [];
  const [collection, setCollection] = useState('');
  const [text, setText] = useState('');
  const [k, setK] = useState(5);
  const [languages, setLanguages] = useState('');
  const [results, setResults] = useState<any[]>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const chosen = collection || list[0]?.name || '';
  const run = async () => {
    setBusy(true);
    setError(undefined);
    const filter = languages.split(/[\s,]+/).filter(Boolean);
    try {
      const data = await gql(SEARCH, { inputs: MODES.map((mode) => ({ collection: chosen, text, k, mode, ...(filter.length ? { languages: filter } : {}) })) });
      setResults(data.searchBatch);
      collections.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Section title="Collections">
        <ErrorBox error={collections.error} />
        <table className="list">
          <thead><tr><th scope="col">name</th><th scope="col">alias</th><th scope="col">dataset</th><th scope="col">languages</th><th scope="col">size</th><th scope="col">searches</th><th scope="col">same-language share of hits</th><th scope="col">promote</th></tr></thead>
          <tbody>
            {list.map((c: any) => (
              <tr key={c.id}>
                <td>{c.name}</td><td>{c.alias ?? '–'}</td><td>{c.dataset}</td><td>{c.languages.join(' ')}</td><td>{c.size}</td>
                <td>{c.languageBias.searches}</td><td>{fixed(c.languageBias.sameLanguageShare, 2)}</td>
                <td><Promote collectionId={c.id} onDone={collections.reload} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.length === 0 && <p className="muted">No collection yet: indexCorpus(input: {'{'} checkpointId, dataset {'}'}) embeds one.</p>}
      </Section>
      <Section title="Search playground">
        <form className="search" onSubmit={(e) => (e.preventDefault(), void run())}>
          <label>Collection <select value={chosen} onChange={(e) => setCollection(e.target.value)}>{list.map((c: any) => <option key={c.id} value={c.name}>{c.name}</option>)}</select></label>
          <label className="grow">Query <input value={text} onChange={(e) => setText(e.target.value)} required placeholder="Wann fand die Volkszählung statt?" /></label>
          <label>k <input type="number" min={1} max={100} value={k} onChange={(e) => setK(Number(e.target.value))} /></label>
          <label>Languages <input value={languages} onChange={(e) => setLanguages(e.target.value)} placeholder="all" size={8} /></label>
          <button type="submit" disabled={busy || !chosen}>Search</button>
        </form>
        <ErrorBox error={error} />
        {results && (
          <>
            <p>Query language detected: <strong data-testid="query-language">{results[0]?.queryLanguage}</strong></p>
            <div className="grid3">
              {results.map((r) => (
                <div key={r.retrieval.mode} className="hits" data-mode={r.retrieval.mode}>
                  <h3>{r.retrieval.mode}</h3>
                  <ol>
                    {r.hits.map((h: any) => (
                      <li key={h.documentId}><span className="lang">{h.language}</span> {h.text} <small>{fixed(h.score, 3)} · {short(h.documentId)}</small></li>
                    ))}
                  </ol>
                </div>
              ))}
            </div>
          </>
        )}
      </Section>
    </>
  );
}
