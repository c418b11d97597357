// Mutation testing of the modules whose bugs would quietly change a result (batch composition,
// ranking metrics, the loss, fusion if there is one, the bootstrap), without a new dependency.
// Not a test and not in CI: a benchmark-like command that says how many simple bugs the unit
// tests would catch.
//
//   npx tsc -p tsconfig.json
//   node dist/bench/mutate.js [--module sampler|metrics|loss|fusion|bootstrap] [--max 120] [--timeout 30] [--list] [--verbose] [--keep]
//
// --list prints the mutants that would run, without running them; --verbose prints every outcome
// and the test that killed each mutant; --keep leaves the temp copy of dist.
//
// For each target it copies dist/ to a temp directory (the real dist is never written), then
// mutates ONE line of the compiled module at a time (operator swaps < <=, > >=, === !==, + -,
// * /, && ||, boolean literals, numeric constants +-1, Math.min <-> Math.max, a removed `throw`
// statement, an `if` condition replaced by true and by false), runs that module's unit test
// file(s) on the mutated copy with a time limit, and restores the line before the next mutant.
// A mutant is killed when a test fails (or the run times out), survives when every test passes,
// and is invalid when the mutated file does not parse (not counted). With more mutants than
// --max, an evenly spaced sample of --max is run. Survivors are printed with the TypeScript
// file:line (from the source map), the compiled line and the mutated line. Exit code 0 always
// (a survivor is a finding, not a failure of the command); 1 when the unmutated tests fail.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { argument } from './cli.js';

interface Target {
  /** Compiled module, relative to dist/. */
  file: string;
  /** Its unit test files, relative to dist/. */
  tests: string[];
}

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const projectDir = path.dirname(distDir);

/** The fusion module, if the project has one (a file named *fusion* or *rrf* with a test file next to it). */
function findFusion(): Target | undefined {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (/(fusion|rrf)[^/]*\.js$/i.test(entry.name) && !entry.name.endsWith('.test.js')) hits.push(path.relative(distDir, full));
    }
  };
  walk(distDir);
  const file = hits.find((f) => fs.existsSync(path.join(distDir, f.replace(/\.js$/, '.test.js'))));
  return file ? { file, tests: [file.replace(/\.js$/, '.test.js')] } : undefined;
}

const TARGETS: Record<string, () => Target | undefined> = {
  sampler: () => ({ file: 'gpu-worker/training/sampler.js', tests: ['gpu-worker/training/sampler.test.js'] }),
  metrics: () => ({ file: 'gpu-worker/evaluation/metrics.js', tests: ['gpu-worker/evaluation/metrics.test.js'] }),
  loss: () => ({ file: 'gpu-worker/training/loss.js', tests: ['gpu-worker/training/loss.test.js'] }),
  fusion: findFusion,
  bootstrap: () => ({ file: 'gpu-worker/evaluation/stats.js', tests: ['gpu-worker/evaluation/stats.test.js'] }),
};

// ------------------------------------------------------------------------------------------------
// Which characters of a JS file are code (not inside a comment, string, template text or regex).

function codeMask(src: string): Uint8Array {
  const code = new Uint8Array(src.length);
  /** Brace depth at which each open `${` of a template started. */
  const templates: number[] = [];
  let depth = 0;
  let lastSignificant = ''; // last non-space code character, to tell a regex from a division
  let i = 0;
  const regexCanStart = () => lastSignificant === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant);
  const readTemplate = () => {
    // at a template's text (after ` or }), up to the closing ` or the next ${
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        lastSignificant = '`';
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        templates.push(depth);
        depth++;
        lastSignificant = '{';
        return;
      } else i++;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      i++;
      lastSignificant = c;
    } else if (c === '`') {
      i++;
      readTemplate();
    } else if (c === '/' && regexCanStart()) {
      i++;
      let inClass = false;
      while (i < src.length && src[i] !== '\n' && (inClass || src[i] !== '/')) {
        if (src[i] === '\\') i++;
        else if (src[i] === '[') inClass = true;
        else if (src[i] === ']') inClass = false;
        i++;
      }
      i++;
      while (i < src.length && /[a-z]/.test(src[i]!)) i++;
      lastSignificant = '/';
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === depth - 1) {
      templates.pop();
      depth--;
      i++;
      readTemplate();
    } else {
      code[i] = 1;
      if (c === '{') depth++;
      else if (c === '}') depth--;
      if (!/\s/.test(c)) lastSignificant = /[A-Za-z0-9_$]/.test(c) ? 'a' : c;
      i++;
    }
  }
  return code;
}

// ------------------------------------------------------------------------------------------------
// Mutants of one line.

interface Mutant {
  line: number; // 0-based line of the compiled file
  column: number;
  operator: string;
  original: string;
  mutated: string;
}

const IDENT = /[A-Za-z0-9_$]/;
/** Previous non-space character of the line before column `at`, '' at the start. */
const before = (text: string, at: number) => {
  for (let j = at - 1; j >= 0; j--) if (text[j] !== ' ' && text[j] !== '\t') return text[j]!;
  return '';
};
const operandBefore = (text: string, at: number) => {
  const p = before(text, at);
  return IDENT.test(p) || p === ')' || p === ']' || p === '!';
};

/** Simple replacements: [operator name, pattern, replacement, extra condition on the match]. */
const SWAPS: [string, RegExp, string, ((text: string, at: number, len: number) => boolean)?][] = [
  ['< -> <=', /<(?![<=])/g, '<=', (t, at) => t[at - 1] !== '<'],
  ['<= -> <', /<=/g, '<', (t, at) => t[at - 1] !== '<'],
  ['> -> >=', />(?![>=])/g, '>=', (t, at) => t[at - 1] !== '=' && t[at - 1] !== '>'],
  ['>= -> >', />=/g, '>', (t, at) => t[at - 1] !== '>'],
  ['=== -> !==', /===/g, '!=='],
  ['!== -> ===', /!==/g, '==='],
  ['+ -> -', /\+(?![+=])/g, '-', (t, at) => t[at - 1] !== '+' && operandBefore(t, at)],
  ['- -> +', /-(?![-=>])/g, '+', (t, at) => t[at - 1] !== '-' && operandBefore(t, at)],
  ['+= -> -=', /\+=/g, '-='],
  ['-= -> +=', /-=/g, '+='],
  ['* -> /', /\*(?![*=])/g, '/', (t, at) => t[at - 1] !== '*' && operandBefore(t, at)],
  ['/ -> *', /\/(?![/*=])/g, '*', (t, at) => operandBefore(t, at)],
  ['*= -> /=', /\*=/g, '/='],
  ['&& -> ||', /&&/g, '||'],
  ['|| -> &&', /\|\|/g, '&&'],
  ['true -> false', /\btrue\b/g, 'false'],
  ['false -> true', /\bfalse\b/g, 'true'],
  ['Math.min -> Math.max', /\bMath\.min\b/g, 'Math.max'],
  ['Math.max -> Math.min', /\bMath\.max\b/g, 'Math.min'],
];

function isCode(mask: Uint8Array, offset: number, at: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (!mask[offset + at + k]) return false;
  return true;
}

/** Index of the `)` closing the `(` at `open`, on this line and in code; -1 if not on the line. */
function closingParen(text: string, open: number, mask: Uint8Array, offset: number): number {
  let d = 0;
  for (let j = open; j < text.length; j++) {
    if (!mask[offset + j]) continue;
    if (text[j] === '(') d++;
    else if (text[j] === ')' && --d === 0) return j;
  }
  return -1;
}

function mutantsOf(src: string): Mutant[] {
  const mask = codeMask(src);
  const lines = src.split('\n');
  const out: Mutant[] = [];
  let offset = 0;
  lines.forEach((text, line) => {
    const add = (column: number, operator: string, mutated: string) => {
      if (mutated !== text && !out.some((m) => m.line === line && m.mutated === mutated)) out.push({ line, column, operator, original: text, mutated });
    };
    const skip = /^\s*(import|export \{|export \* from|\/\/# sourceMappingURL)/.test(text);
    if (!skip) {
      for (const [operator, pattern, replacement, when] of SWAPS) {
        for (const m of text.matchAll(pattern)) {
          const at = m.index!;
          if (!isCode(mask, offset, at, m[0].length) || (when && !when(text, at, m[0].length))) continue;
          add(at, operator, text.slice(0, at) + replacement + text.slice(at + m[0].length));
        }
      }
      // Numeric constants +-1 (decimal literals only, not parts of identifiers).
      for (const m of text.matchAll(/(?<![A-Za-z0-9_$.])\d+(?:\.\d+)?(?![A-Za-z0-9_$.])/g)) {
        const at = m.index!;
        if (!isCode(mask, offset, at, m[0].length)) continue;
        const v = Number(m[0]);
        const decimals = m[0].split('.')[1]?.length ?? 0;
        for (const w of [v + 1, v - 1].map((x) => Number(x.toFixed(decimals)))) add(at, `${m[0]} -> ${w}`, text.slice(0, at) + (w < 0 ? `(${w})` : String(w)) + text.slice(at + m[0].length));
      }
      // A throw statement removed (when it ends on this line).
      for (const m of text.matchAll(/\bthrow\b/g)) {
        const at = m.index!;
        if (!isCode(mask, offset, at, 5) || !/;\s*$/.test(text)) continue;
        let d = 0;
        for (let j = at; j < text.length; j++) if (mask[offset + j]) d += text[j] === '(' ? 1 : text[j] === ')' ? -1 : 0;
        if (d === 0) add(at, 'throw removed', text.slice(0, at) + ';');
      }
      // An if condition replaced by true, then by false.
      for (const m of text.matchAll(/\bif\s*\(/g)) {
        const at = m.index!;
        const open = at + m[0].length - 1;
        if (!isCode(mask, offset, at, m[0].length)) continue;
        const close = closingParen(text, open, mask, offset);
        if (close < 0) continue;
        for (const value of ['true', 'false']) add(at, `if (...) -> if (${value})`, text.slice(0, open + 1) + value + text.slice(close));
      }
    }
    offset += text.length + 1;
  });
  return out;
}

// ------------------------------------------------------------------------------------------------
// Running.

interface Outcome {
  status: 'killed' | 'timeout' | 'survived' | 'invalid';
  /** The first failing test, when killed. */
  by?: string;
}

function runTests(root: string, tests: string[], timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const run = (k: number) => {
      if (k === tests.length) return resolve({ status: 'survived' });
      const child = spawn(process.execPath, [path.join(root, 'dist', tests[k]!)], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        if (stdout.length < 200_000) stdout += d.toString();
      });
      child.stderr.resume();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL'); // this run's own process group
        } catch {
          /* already gone */
        }
      }, timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (timedOut) return resolve({ status: 'timeout', by: `no result within ${timeoutMs / 1000} s` });
        if (code !== 0) return resolve({ status: 'killed', by: /^not ok \d+ - (.*)$/m.exec(stdout)?.[1] ?? `exit code ${code}` });
        run(k + 1);
      });
    };
    run(0);
  });
}

function parses(file: string): boolean {
  return spawnSync(process.execPath, ['--check', file], { stdio: 'ignore' }).status === 0;
}

/** TypeScript source line (1-based) of a compiled line, via the .js.map next to it. */
function sourceLine(distFile: string): (line: number, column: number) => string {
  const mapFile = `${distFile}.map`;
  if (!fs.existsSync(mapFile)) return (line) => `${path.relative(distDir, distFile)}:${line + 1}`;
  const payload = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
  const map = new SourceMap(payload);
  const ts = path.relative(projectDir, path.resolve(path.dirname(distFile), payload.sources[0]));
  return (line, column) => {
    const entry = map.findEntry(line, column) as { originalLine?: number };
    return `${ts}:${entry.originalLine !== undefined ? entry.originalLine + 1 : '?'}`;
  };
}

/** `count` evenly spaced items of `all` (all of them when count >= length). */
function evenly<T>(all: T[], count: number): T[] {
  if (all.length <= count) return all;
  return Array.from({ length: count }, (_, i) => all[Math.floor((i * all.length) / count)]!);
}

interface Summary {
  module: string;
  file: string;
  generated: number;
  run: number;
  killed: number;
  timeouts: number;
  survived: number;
  invalid: number;
  seconds: number;
}

async function mutateModule(name: string, target: Target, root: string, max: number, timeoutSeconds: number): Promise<Summary | undefined> {
  const file = path.join(root, 'dist', target.file);
  const original = fs.readFileSync(file, 'utf8');
  const where = sourceLine(path.join(distDir, target.file));
  const all = mutantsOf(original);
  const chosen = evenly(all, max);
  if (process.argv.includes('--list')) {
    console.log(`\n${name}: ${target.file}: ${all.length} mutants, ${chosen.length} would run`);
    for (const m of chosen) console.log(`  ${where(m.line, m.column)} [${m.operator}] ${m.mutated.trim()}`);
    return undefined;
  }
  const t0 = performance.now();
  const baseline = await runTests(root, target.tests, 300_000);
  const baseSeconds = (performance.now() - t0) / 1000;
  if (baseline.status !== 'survived') {
    console.log(`${name}: the unmutated tests fail (${baseline.by}); nothing measured`);
    process.exitCode = 1;
    return undefined;
  }
  const timeoutMs = 1000 * (timeoutSeconds || Math.max(15, Math.ceil(6 * baseSeconds)));
  console.log(`\n${name}: ${target.file} (tests: ${target.tests.join(', ')}; ${baseSeconds.toFixed(1)} s unmutated)`);
  console.log(`  ${all.length} mutants generated, running ${chosen.length}; time limit ${timeoutMs / 1000} s each`);
  const summary: Summary = { module: name, file: target.file, generated: all.length, run: chosen.length, killed: 0, timeouts: 0, survived: 0, invalid: 0, seconds: 0 };
  const start = performance.now();
  try {
    for (const [i, m] of chosen.entries()) {
      const lines = original.split('\n');
      lines[m.line] = m.mutated;
      fs.writeFileSync(file, lines.join('\n'));
      let outcome: Outcome;
      if (!parses(file)) outcome = { status: 'invalid' };
      else outcome = await runTests(root, target.tests, timeoutMs);
      fs.writeFileSync(file, original); // restored before the next mutant
      if (outcome.status === 'killed') summary.killed++;
      else if (outcome.status === 'timeout') summary.timeouts++;
      else if (outcome.status === 'survived') summary.survived++;
      else summary.invalid++;
      if (outcome.status === 'survived') {
        console.log(`  SURVIVED ${where(m.line, m.column)} (js ${m.line + 1}) [${m.operator}]`);
        console.log(`    - ${m.original.trim()}`);
        console.log(`    + ${m.mutated.trim()}`);
      } else if (process.argv.includes('--verbose')) {
        console.log(`  ${outcome.status} ${where(m.line, m.column)} [${m.operator}]${outcome.by ? ` by: ${outcome.by}` : ''}`);
      }
      if ((i + 1) % 25 === 0) console.log(`  ... ${i + 1}/${chosen.length} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
    }
  } finally {
    fs.writeFileSync(file, original);
  }
  summary.seconds = (performance.now() - start) / 1000;
  return summary;
}

// ------------------------------------------------------------------------------------------------

const only = argument('module');
const max = Number(argument('max') ?? 120);
const timeoutSeconds = Number(argument('timeout') ?? 0);
if (only && !(only in TARGETS)) {
  console.error(`unknown module ${only}; one of ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}
if (!Number.isInteger(max) || max < 1) {
  console.error(`--max must be a positive integer, got ${argument('max')}`);
  process.exit(2);
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xling-mutate-'));
const cleanup = () => {
  if (!process.argv.includes('--keep')) fs.rmSync(root, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
try {
  // The copy resolves packages through a link to the project's node_modules and is ESM like it.
  fs.cpSync(distDir, path.join(root, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(projectDir, 'package.json'), path.join(root, 'package.json'));
  fs.symlinkSync(fs.realpathSync(path.join(projectDir, 'node_modules')), path.join(root, 'node_modules'), 'dir');
  const cpu = os.cpus();
  console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`copy of dist: ${root}; at most ${max} mutants per module`);
  const summaries: Summary[] = [];
  for (const name of only ? [only] : Object.keys(TARGETS)) {
    const target = TARGETS[name]!();
    if (!target) {
      console.log(`\n${name}: no such module in dist (no *fusion* or *rrf* file with a test next to it), skipped`);
      continue;
    }
    const s = await mutateModule(name, target, root, max, timeoutSeconds);
    if (s) summaries.push(s);
  }
  console.log('\n| module | file | generated | run | killed | timed out | survived | invalid | score | time |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const s of summaries) {
    const counted = s.killed + s.timeouts + s.survived;
    const score = counted ? `${((100 * (s.killed + s.timeouts)) / counted).toFixed(1)}%` : '-';
    console.log(`| ${s.module} | ${s.file} | ${s.generated} | ${s.run} | ${s.killed} | ${s.timeouts} | ${s.survived} | ${s.invalid} | ${score} | ${s.seconds.toFixed(0)} s |`);
  }
} finally {
  cleanup();
}
