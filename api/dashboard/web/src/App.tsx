import { useState } from 'react';
import { apiKey } from './api';
import { useQuery, useRoute } from './hooks';
import { RunsPage } from './pages/Runs';
import { RunPage } from './pages/Run';
import { ComparePage } from './pages/Compare';
import { EvaluationsPage, EvaluationPage } from './pages/Evaluation';
import { ExperimentsPage } from './pages/Experiments';
import { SearchPage } from './pages/Search';
import { JobsPage } from './pages/Jobs';

const PAGES = [
  ['runs', 'Runs'],
  ['compare', 'Compare'],
  ['evaluations', 'Evaluations'],
  ['experiments', 'Experiments'],
  ['search', 'Collections & search'],
  ['jobs', 'Jobs & workers'],
] as const;

function KeyBox({ onChange }: { onChange: () => void }) {
  const [draft, setDraft] = useState(apiKey.get());
  return (
    <form
      className="key"
      onSubmit={(e) => {
        e.preventDefault();
        apiKey.set(draft.trim());
        onChange();
      }}
    >
      <label>
        API key{' '}
        <input type="password" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="xlk_… (none in open mode)" autoComplete="off" />
      </label>
      <button type="submit">Use</button>
    </form>
  );
}

export function App() {
  const { path, params } = useRoute();
  const [generation, setGeneration] = useState(0);
  const viewer = useQuery<{ viewer: { name: string; role: string } }>('{ viewer { name role } }', { generation });
  const [page = 'runs', id] = path;
  return (
    <div className="app" key={generation}>
      <header className="top">
        <a className="brand" href="#/runs">xling</a>
        <nav aria-label="pages">
          {PAGES.map(([name, label]) => (
            <a key={name} href={`#/${name}`} aria-current={page === name ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <div className="who">
          {viewer.data ? <span>{viewer.data.viewer.name} · {viewer.data.viewer.role}</span> : <span className="error">{viewer.error?.message ?? '…'}</span>}
          <KeyBox onChange={() => setGeneration((g) => g + 1)} />
        </div>
      </header>
      <main>
        {page === 'runs' && !id && <RunsPage />}
        {page === 'runs' && id && <RunPage id={id} />}
        {page === 'compare' && <ComparePage ids={(params.get('runs') ?? '').split(',').filter(Boolean)} />}
        {page === 'evaluations' && !id && <EvaluationsPage />}
        {page === 'evaluations' && id && <EvaluationPage id={id} />}
        {page === 'experiments' && <ExperimentsPage />}
        {page === 'search' && <SearchPage />}
        {page === 'jobs' && <JobsPage />}
      </main>
    </div>
  );
}
