// EVALUATE jobs: read the request, resolve the target, then evaluate every suite and write its
// report with its rows (evaluation-reports.ts). A redelivered job skips the suites an earlier
// delivery wrote. The run a job may name is only read: its status belongs to its TRAIN job
// (status.ts). Progress goes to the log; the report is the result.

import type { PrismaClient } from '../../prisma/generated/client.js';
import { describeTarget, type EvaluationRequest } from '../../schema/evaluation.js';
import { DENSE_RETRIEVAL, type RetrievalSettings } from '../../schema/serving.js';
import type { LexicalQueries } from '../lexical/query.js';
import { JobError, nonRetryable } from '../../schema/jobs.js';
import type { RetrievalBenchmark } from '../evaluation/benchmark.js';
import { alignmentSummary, headlinesJson, pairRows } from '../evaluation/report-rows.js';
import { headlineTable } from '../evaluation/headlines.js';
import { firstQueriesPerLanguage } from '../evaluation/subsample.js';
import { encodeUnitTables, STORED_HEADLINES } from '../evaluation/unit-tables.js';
import { retrievalBenchmarkOf, type SuiteData } from '../evaluation/suite-data.js';
import { runAlignmentSuite, runBitextSuite, runRetrievalSuite, type RetrievalSource } from '../evaluation/suites.js';
import type { BitextSet } from '../../schema/bitext-format.js';
import { EMBEDDING_SUITES, type EvaluationSuite } from '../../schema/training.js';
import type { Headline } from '../evaluation/headlines.js';
import type { Interval } from '../evaluation/stats.js';
import type { XnliSentences } from '../evaluation/xnli.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../encoding/encoder.js';
import type { LeaseCache, Lease } from '../encoding/lease-cache.js';
import { parseEvaluationRequest } from './evaluate-request.js';
import { leaseCheckpointEncoder, leaseRandomEncoder, resolveTarget, type CachedEncoder, type ResolvedTarget } from './evaluate-target.js';
import type { ReportContent, ReportStore } from './evaluation-reports.js';
import type { JobHandler } from './types.js';
import type { DataCache } from '../data/index.js';
import { reportSuiteOf, type ImportedSuite } from '../../schema/imported-suites.js';
import { findImportedSuite, type LoadedSuite } from '../evaluation/imported-suite.js';
import { importedSuiteLeaks, loadTrainingSources } from './train-data.js';
import type { TrainingSource } from '../data/index.js';

/** What the leakage check over imported suites needs of the run a checkpoint belongs to. */
interface TrainedRun {
  id: string;
  evaluationDatasets: string[];
  trainDatasets: string[];
  languages: string[];
}

export interface EvaluateJobDeps {
  prisma: PrismaClient;
  /** Where a run's training data is read to check that it never saw an imported suite's text. */
  dataDir: string;
  dataCache: DataCache;
  reports: ReportStore;
  suiteData: SuiteData;
  encoders: LeaseCache<CachedEncoder>;
  modelsDir: string;
  /** The worker's lexical analysis and dictionaries (shared with query serving), loaded on first use. */
  lexical: () => Promise<LexicalQueries>;
  log: (line: string) => void;
}

/** How a target is searched: lexical baselines have their own mode; encoders the request's. */
export function targetRetrieval(target: ResolvedTarget, request: EvaluationRequest): RetrievalSettings {
  const requested = request.retrieval ?? DENSE_RETRIEVAL;
  return target.kind === 'lexical' ? { ...requested, mode: 'LEXICAL', dictionary: target.dictionary } : requested;
}

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
const fixed = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(4));

/** Lexical baselines score pairs of texts; alignment and bitext mining need embeddings, which they have none of. */
function refuseInapplicable(target: ResolvedTarget, request: EvaluationRequest): void {
  const embeddingSuite = request.suites.find((s) => EMBEDDING_SUITES.includes(s));
  if (target.kind === 'lexical' && embeddingSuite) {
    throw nonRetryable(`${embeddingSuite} measures embeddings, and a lexical baseline has no embeddings (evaluate it on XQUAD_R or MLQA_R)`);
  }
}

const subsample = (benchmark: RetrievalBenchmark, n: number | undefined) => (n === undefined ? benchmark : firstQueriesPerLanguage(benchmark, n));
const firstSentences = (data: XnliSentences, n: number | undefined): XnliSentences =>
  n === undefined ? data : { ...data, sentences: data.sentences.map((s) => s.slice(0, n)) };

export function createEvaluateJob(deps: EvaluateJobDeps): JobHandler {
  const { prisma, reports, suiteData, encoders, modelsDir } = deps;

  /** `texts`: what a RANDOM encoder prunes its vocabulary to, prefixed as they will be embedded. */
  function leaseEncoder(target: Exclude<ResolvedTarget, { kind: 'lexical' }>, key: string, texts: () => string[]): Promise<Lease<CachedEncoder>> {
    switch (target.kind) {
      case 'checkpoint':
        return leaseCheckpointEncoder(encoders, modelsDir, target.checkpointId, target.location);
      case 'random':
        return leaseRandomEncoder(encoders, modelsDir, target.seed, key, texts);
      default:
        return target satisfies never;
    }
  }

  async function retrieval(target: ResolvedTarget, benchmark: RetrievalBenchmark, request: EvaluationRequest, signal: AbortSignal, log: (l: string) => void): Promise<Omit<ReportContent, 'suite'>> {
    const options = { bootstrap: request.bootstrap, seed: request.seed, signal, log };
    const retrieval = targetRetrieval(target, request);
    let lease: Lease<CachedEncoder> | undefined;
    try {
      const source: RetrievalSource = { retrieval, ...(retrieval.mode === 'DENSE' ? {} : { lexical: await deps.lexical() }) };
      if (target.kind !== 'lexical') {
        lease = await leaseEncoder(target, benchmark.name, () => [
          ...benchmark.queries.map((q) => QUERY_PREFIX + q.text),
          ...benchmark.candidates.map((c) => PASSAGE_PREFIX + c.text),
        ]);
        source.encoder = lease.value;
      }
      const result = await runRetrievalSuite(benchmark, source, options);
      const { encode, rank, bootstrap } = result.seconds;
      log(`encode ${encode.toFixed(1)} s, rank ${rank.toFixed(1)} s, bootstrap ${bootstrap.toFixed(1)} s`);
      const tables = new Map(STORED_HEADLINES.map((h) => [h, headlineTable(result.evaluation, h)]));
      return { headlines: headlinesJson(result.intervals), queries: benchmark.queries.length, rows: pairRows(result.evaluation), unitTables: encodeUnitTables(tables), retrieval };
    } finally {
      lease?.release();
    }
  }

  async function alignment(target: ResolvedTarget, data: XnliSentences, request: EvaluationRequest, signal: AbortSignal, log: (l: string) => void): Promise<Omit<ReportContent, 'suite'>> {
    if (target.kind === 'lexical') throw new Error('unreachable: refused before any suite ran');
    const lease = await leaseEncoder(target, 'xnli', () => data.sentences.flat().map((s) => PASSAGE_PREFIX + s));
    try {
      const result = await runAlignmentSuite(data, lease.value, { bootstrap: request.bootstrap, seed: request.seed, signal, log });
      const { encode, align, bootstrap } = result.seconds;
      log(`encode ${encode.toFixed(1)} s, align ${align.toFixed(1)} s, bootstrap ${bootstrap.toFixed(1)} s`);
      const queries = data.languages.length * result.evaluation.sentences;
      return { headlines: {}, alignment: alignmentSummary(result.evaluation, result.pooledMap), queries, rows: [] };
    } finally {
      lease.release();
    }
  }

  async function bitext(target: ResolvedTarget, set: BitextSet, key: string, request: EvaluationRequest, signal: AbortSignal, log: (l: string) => void): Promise<Omit<ReportContent, 'suite'>> {
    if (target.kind === 'lexical') throw new Error('unreachable: refused before any suite ran');
    const lease = await leaseEncoder(target, key, () => [...set.a.texts, ...set.b.texts].map((s) => PASSAGE_PREFIX + s));
    try {
      const result = await runBitextSuite(set, lease.value, { bootstrap: request.bootstrap, seed: request.seed, signal, log });
      const { encode, mine, bootstrap } = result.seconds;
      log(`encode ${encode.toFixed(1)} s, mine ${mine.toFixed(1)} s, bootstrap ${bootstrap.toFixed(1)} s`);
      return { headlines: headlinesJson(result.intervals as Record<Headline, Interval>), queries: set.gold.length, rows: [] };
    } finally {
      lease.release();
    }
  }

  async function evaluateSuite(suite: EvaluationSuite, target: ResolvedTarget, request: EvaluationRequest, signal: AbortSignal, log: (l: string) => void): Promise<Omit<ReportContent, 'suite'>> {
    const n = request.queriesPerLanguage;
    switch (suite) {
      case 'XQUAD_R':
      case 'MLQA_R':
        return retrieval(target, subsample(await suiteData.retrieval(retrievalBenchmarkOf(suite)!), n), request, signal, log);
      case 'XNLI_ALIGNMENT':
        return alignment(target, firstSentences(await suiteData.xnli(), n), request, signal, log);
      case 'BUCC2018':
        // Mining searches every sentence of the other side: never subsampled.
        return bitext(target, await suiteData.bucc(), 'bucc2018', request, signal, log);
      default:
        return suite satisfies never;
    }
  }

  /**
   * The zero-shot protocol for imported suites: a checkpoint is not evaluated on text its run
   * trained on. A run that named the suite in evaluationDatasets was checked before it trained.
   */
  async function refuseTrainedOn(run: TrainedRun | null, suite: ImportedSuite, loaded: LoadedSuite, trainedOn: (run: TrainedRun) => Promise<TrainingSource[]>, log: (l: string) => void): Promise<void> {
    if (!run || run.evaluationDatasets.includes(suite.name)) return;
    const leaks = importedSuiteLeaks(suite.name, loaded, await trainedOn(run));
    if (leaks.length > 0) throw nonRetryable(`refusing to evaluate run ${run.id} on ${suite.name}, whose text it trained on: ${leaks.join(' | ')}`);
    log(`no training group of run ${run.id} holds its text`);
  }

  /** The run of a checkpoint target; null for baselines. */
  async function runOf(target: ResolvedTarget): Promise<TrainedRun | null> {
    if (target.kind !== 'checkpoint') return null;
    const checkpoint = await prisma.checkpoint.findUnique({
      where: { id: target.checkpointId },
      select: { run: { select: { id: true, evaluationDatasets: true, trainDatasets: true, languages: true } } },
    });
    return checkpoint?.run ?? null;
  }

  async function trainingSourcesOf(run: TrainedRun): Promise<TrainingSource[]> {
    try {
      return await loadTrainingSources({ prisma, dataDir: deps.dataDir, cache: deps.dataCache }, run);
    } catch (error) {
      // The check reads the run's training data; a worker without it cannot tell, and says so. The
      // loader's own message (it may name files of the data folder) goes to the worker's log only.
      if (!(error instanceof JobError)) throw error;
      deps.log(`run ${run.id}: training data unreadable for the leakage check: ${error.message}`);
      throw nonRetryable(`cannot check run ${run.id}'s training data for text of the imported suites: this worker cannot read datasets ${run.trainDatasets.join(', ')} from its data folder`);
    }
  }

  async function evaluateImported(suite: ImportedSuite, loaded: LoadedSuite, target: ResolvedTarget, request: EvaluationRequest, signal: AbortSignal, log: (l: string) => void): Promise<Omit<ReportContent, 'suite'>> {
    switch (loaded.kind) {
      case 'RETRIEVAL':
        return retrieval(target, subsample(loaded.benchmark, request.queriesPerLanguage), request, signal, log);
      case 'BITEXT':
        if (target.kind === 'lexical') throw nonRetryable(`${suite.name} is a bitext set, which measures embeddings; a lexical baseline has none`);
        return bitext(target, loaded.set, `imported:${suite.name}:${suite.files.map((f) => f.sha256).join(',')}`, request, signal, log);
      default:
        return loaded satisfies never;
    }
  }

  return async ({ job, signal }) => {
    const request = parseEvaluationRequest(job.payload);
    const target = await resolveTarget(prisma, request.target, request.seed);
    refuseInapplicable(target, request);
    const what = target.kind === 'checkpoint' ? `${describeTarget(request.target)} (checkpoint ${target.checkpointId}, step ${target.step})` : describeTarget(request.target);
    const how = targetRetrieval(target, request);
    deps.log(`job ${job.id}: evaluating ${what} on ${[...request.suites, ...(request.datasets ?? [])].join(', ')} (${how.mode}${how.mode === 'HYBRID' ? ` ${JSON.stringify(how.fusion)}` : ''}${how.mode !== 'DENSE' ? `, dictionary ${how.dictionary}` : ''}; bootstrap ${request.bootstrap}, seed ${request.seed})`);

    for (const suite of request.suites) {
      if (signal.aborted) return { kind: 'aborted' };
      if (await reports.written(job.id, suite)) {
        deps.log(`job ${job.id}: ${suite} was written by an earlier delivery; skipped`);
        continue;
      }
      const t0 = performance.now();
      const log = (line: string) => deps.log(`job ${job.id}: ${suite}: ${line}`);
      const content = await evaluateSuite(suite, target, request, signal, log);
      await reports.writeJobReport(job.id, target.report, { suite, ...content });
      const h = content.headlines;
      const summary = content.alignment
        ? `pooled mAP ${fixed(content.alignment.pooledMap.estimate)}, translation accuracy ${fixed(content.alignment.meanTranslationAccuracy)}`
        : h['mono.map']
          ? `mono.map ${fixed(h['mono.map']?.estimate)}, cross.map ${fixed(h['cross.map']?.estimate)}, multi.map ${fixed(h['multi.map']?.estimate)}`
          : Object.entries(h).map(([name, v]) => `${name} ${fixed(v.estimate)}`).join(', ');
      log(`report written in ${seconds(t0)} s (${content.queries} queries, ${content.rows.length} pair rows): ${summary}`);
    }
    // The checkpoint's run and its training data, read once per job and only when an imported suite needs them.
    let run: Promise<TrainedRun | null> | undefined;
    let training: Promise<TrainingSource[]> | undefined;
    for (const name of request.datasets ?? []) {
      if (signal.aborted) return { kind: 'aborted' };
      const suite = await findImportedSuite(prisma, name);
      const reportSuite = reportSuiteOf(suite.kind);
      if (await reports.written(job.id, reportSuite, name)) {
        deps.log(`job ${job.id}: ${name} was written by an earlier delivery; skipped`);
        continue;
      }
      const t0 = performance.now();
      const log = (line: string) => deps.log(`job ${job.id}: ${name}: ${line}`);
      const loaded = await suiteData.imported(suite);
      if (loaded.kind === 'RETRIEVAL' && loaded.dropped > 0) log(`${loaded.dropped} questions left out: their answer lies in no sentence`);
      const trained = await (run ??= runOf(target));
      await refuseTrainedOn(trained, suite, loaded, (r) => (training ??= trainingSourcesOf(r)), log);
      const content = await evaluateImported(suite, loaded, target, request, signal, log);
      await reports.writeJobReport(job.id, target.report, { suite: reportSuite, dataset: name, ...content });
      const summary = Object.entries(content.headlines).filter(([h]) => !h.includes('.') || /\.(map|accuracy)$/.test(h)).map(([h, v]) => `${h} ${fixed(v.estimate)}`).join(', ');
      log(`report written in ${seconds(t0)} s (${content.queries} queries, ${content.rows.length} pair rows): ${summary}`);
    }
    return { kind: 'succeeded' };
  };
}
