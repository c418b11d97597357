// The layout's rules, read from the compiled code (type-only imports are gone there, so what is
// left is what loads at run time): api/ and gpu-worker/ never import each other, schema/ imports
// neither, the gateway loads no model engine and no vector store (workers serve queries), and no
// module imports itself through a cycle (an import cycle makes load order decide what is undefined).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APPS = ['api', 'gpu-worker', 'schema', 'prisma', 'deploy'];

function modules(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'generated') walk(full);
      } else if (entry.name.endsWith('.js') && !entry.name.endsWith('.test.js')) out.push(full);
    }
  };
  for (const app of APPS) walk(path.join(dist, app));
  return out;
}

const IMPORT = /(?:^|[;\s])(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => path.resolve(path.dirname(file), (m[1] ?? m[2])!));
}

const PACKAGE = /(?:^|[;\s])(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?['"]([@a-z][^'"]*)['"]|import\(\s*['"]([@a-z][^'"]*)['"]\s*\)/g;
const packagesOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(PACKAGE)].map((m) => (m[1] ?? m[2])!);

const graph = new Map(modules().map((file) => [file, importsOf(file)]));

/** Every module the entry loads, itself included. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !graph.has(file)) return;
    seen.add(file);
    for (const dep of graph.get(file)!) visit(dep);
  };
  visit(entry);
  return seen;
}

/** Packages that hold a model engine, tokenizer runtime, vector store, text analysis or language identification. */
const ENGINES = /^(@tensorflow\/|usearch|@qdrant\/|@huggingface\/|multilingual-stemmer|opencc-js|stopwords-iso|eld|franc)/;
const rel = (file: string) => path.relative(dist, file);

test('api/ and gpu-worker/ never import each other', () => {
  const crossings: string[] = [];
  for (const [file, deps] of graph) {
    const [app] = rel(file).split(path.sep);
    for (const dep of deps) {
      const [target] = rel(dep).split(path.sep);
      if ((app === 'api' && target === 'gpu-worker') || (app === 'gpu-worker' && target === 'api')) crossings.push(`${rel(file)} -> ${rel(dep)}`);
    }
  }
  assert.deepEqual(crossings, []);
});

test('the gateway loads no model engine and no vector store: everything api/main.js reaches stays off them', () => {
  const loaded = reachable(path.join(dist, 'api', 'main.js'));
  assert.ok(loaded.size > 50, `api/main.js reaches ${loaded.size} modules`);
  const engines = [...loaded].flatMap((file) => packagesOf(file).filter((p) => ENGINES.test(p)).map((p) => `${rel(file)} -> ${p}`));
  assert.deepEqual(engines, []);
  assert.deepEqual([...loaded].map(rel).filter((f) => f.startsWith('gpu-worker')), []);
});

test('schema/ holds contracts: it imports neither app nor any engine', () => {
  const offending: string[] = [];
  for (const [file, deps] of graph) {
    if (!rel(file).startsWith(`schema${path.sep}`)) continue;
    for (const dep of deps) if (/^(api|gpu-worker|deploy)\//.test(rel(dep))) offending.push(`${rel(file)} -> ${rel(dep)}`);
    for (const p of packagesOf(file)) if (ENGINES.test(p)) offending.push(`${rel(file)} -> ${p}`);
  }
  assert.deepEqual(offending, []);
});

test('no import cycles among the compiled modules', () => {
  // Tarjan's strongly connected components: any component of more than one module is a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  assert.ok(graph.size > 100, `read ${graph.size} modules`);
  assert.deepEqual(cycles, []);
});
