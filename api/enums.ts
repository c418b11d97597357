// GraphQL enums built from the contracts' value lists (and Prisma's enums for what only the
// database defines), so the schema cannot drift from them.

import { SWEEP_TRIAL_STATES } from './sweep/trial-state.js';
import { registerEnumType } from 'type-graphql';
import { DATASET_KINDS } from '../schema/datasets.js';
import { EXPERIMENT_PRESETS } from '../schema/experiment.js';
import { RUN_STATUSES } from '../schema/events.js';
import { BASELINES } from '../schema/evaluation.js';
import { JOB_KINDS } from '../schema/jobs.js';
import { IMPORT_FORMATS, IMPORTED_REPORT_SUITES } from '../schema/imported-suites.js';
import { FUSION_METHODS, RETRIEVAL_MODES } from '../schema/serving.js';
import { RECIPE_NAMES } from '../schema/recipes.js';
import { BATCH_STRATEGIES, EVALUATION_SUITES, MODEL_FAMILIES, POOLINGS, TOKENIZERS } from '../schema/training.js';
import { EvaluationSetting, JobStatus } from '../prisma/generated/client.js';
import { MATRIX_METRICS, MATRIX_SETTINGS } from './evaluation/matrix.js';

function enumObject<T extends string>(values: readonly T[]): { [K in T]: K } {
  return Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };
}

export const RunStatusEnum = enumObject(RUN_STATUSES);
export const SweepTrialStateEnum = enumObject(SWEEP_TRIAL_STATES);
export const BatchStrategyEnum = enumObject(BATCH_STRATEGIES);
export const ModelFamilyEnum = enumObject(MODEL_FAMILIES);
export const PoolingEnum = enumObject(POOLINGS);
export const TokenizerNameEnum = enumObject(TOKENIZERS);
export const EvaluationSuiteEnum = enumObject(EVALUATION_SUITES);
export const ImportFormatEnum = enumObject(IMPORT_FORMATS);
export const ReportSuiteEnum = enumObject([...EVALUATION_SUITES, ...IMPORTED_REPORT_SUITES]);
export const JobKindEnum = enumObject(JOB_KINDS);
export const DatasetKindEnum = enumObject(DATASET_KINDS);
export const JobStatusEnum = JobStatus;
/** A job's status as users read it: QUEUED splits into WAITING_FOR_WORKER when no live worker can take it. */
export const JobStateEnum = { ...JobStatus, WAITING_FOR_WORKER: 'WAITING_FOR_WORKER' } as const;
export const EvaluationSettingEnum = EvaluationSetting;
export const BaselineEnum = enumObject(BASELINES);
export const EvaluationTargetKindEnum = enumObject(['RUN', 'CHECKPOINT', 'BASELINE'] as const);
export const MatrixMetricEnum = enumObject(MATRIX_METRICS);
export const MatrixSettingEnum = enumObject(MATRIX_SETTINGS);
export const EncodingRoleEnum = enumObject(['QUERY', 'PASSAGE'] as const);
export const RetrievalModeEnum = enumObject(RETRIEVAL_MODES);
export const TrainingRecipeEnum = enumObject(RECIPE_NAMES);
export const FusionMethodEnum = enumObject(FUSION_METHODS);
export const DatasetStatusEnum = enumObject(['PRESENT', 'SAMPLE', 'PARTIAL', 'MISSING', 'CORRUPTED'] as const);
// GraphQL enum values cannot contain '-': paper-cpu is PAPER_CPU on the wire.
export const ExperimentPresetEnum = Object.fromEntries(EXPERIMENT_PRESETS.map((p) => [p.toUpperCase().replace('-', '_'), p])) as Record<string, (typeof EXPERIMENT_PRESETS)[number]>;

registerEnumType(RunStatusEnum, { name: 'RunStatus' });
registerEnumType(SweepTrialStateEnum, {
  name: 'SweepTrialState',
  description: 'PENDING (waiting for admission or a worker), RUNNING, EVALUATING, DONE (evaluated), STOPPED_EARLY (median rule: not evaluated), FAILED, CANCELLED',
});
registerEnumType(BatchStrategyEnum, {
  name: 'BatchStrategy',
  description: 'MONO: every batch in one language; CROSS: query and passage languages differ; HYBRID: MONO with probability alpha, else CROSS',
});
registerEnumType(ModelFamilyEnum, { name: 'ModelFamily' });
registerEnumType(PoolingEnum, { name: 'Pooling' });
registerEnumType(TokenizerNameEnum, {
  name: 'TokenizerName',
  description: 'XLM_R: the XLM-R SentencePiece tokenizer, vocabulary pruned to the training texts; HASHED: hashed words and character n-grams',
});
registerEnumType(EvaluationSuiteEnum, {
  name: 'EvaluationSuite',
  description: 'XQUAD_R: xquad-r, MLQA_R: mlqa-r, XNLI_ALIGNMENT: xnli, BUCC2018: bitext mining on bucc2018 zh-en (accuracy and xsim error per direction; evaluated when named, never by default); a run never trains on what the suites it names contain (runs name the first three)',
});
registerEnumType(ReportSuiteEnum, {
  name: 'ReportSuite',
  description: 'What a report evaluated: an EvaluationSuite, or an imported suite (IMPORTED_RETRIEVAL, IMPORTED_BITEXT) named by the report\'s dataset',
});
registerEnumType(ImportFormatEnum, {
  name: 'ImportFormat',
  description: 'JSONL: training records; BEIR: queries/corpus JSONL + qrels TSV; SQUAD: SQuAD files per language; LINE_PARALLEL and ID_PAIRED: bitext sets',
});
registerEnumType(JobKindEnum, { name: 'JobKind' });
registerEnumType(JobStatusEnum, { name: 'JobStatus' });
registerEnumType(JobStateEnum, { name: 'JobState', description: 'JobStatus, with WAITING_FOR_WORKER for a QUEUED job no live worker can take (see Job.waitingFor)' });
registerEnumType(DatasetKindEnum, { name: 'DatasetKind' });
registerEnumType(DatasetStatusEnum, {
  name: 'DatasetStatus',
  description: 'PRESENT: every recorded file is in the data folder with its sha256 (datasets without recorded files: files were found); SAMPLE: the demo bundle\'s subset (npm start on a machine without data; numbers from it are sample-sized; pullDataset replaces it); PARTIAL: some are missing; MISSING: none; CORRUPTED: a file differs from its record (pullDataset fetches it again)',
});
registerEnumType(EvaluationSettingEnum, { name: 'EvaluationSetting' });
registerEnumType(BaselineEnum, { name: 'Baseline', description: 'Reference rankers: BM25 on the texts, RANDOM scores' });
registerEnumType(EvaluationTargetKindEnum, { name: 'EvaluationTargetKind' });
registerEnumType(MatrixMetricEnum, {
  name: 'MatrixMetric',
  description: 'MAP, Recall@1, Recall@10, nDCG@10, MRR@10; RANK_DISTANCE (maximum rank distance) exists in the MULTI setting only',
});
registerEnumType(MatrixSettingEnum, {
  name: 'MatrixSetting',
  description: 'MONO_CROSS: query language x candidate language, monolingual on the diagonal; MULTI: query language x pooled candidates ("all")',
});
registerEnumType(EncodingRoleEnum, { name: 'EncodingRole', description: 'Which side of the dual encoder a text is: its prefix when prefixes are on' });
registerEnumType(TrainingRecipeEnum, {
  name: 'TrainingRecipe',
  description: 'CPU_DEFAULT: a bag-of-subwords encoder (d 256, 32k XLM-R pieces) trained with hybrid batches on MLQA-R and NTREX-128 in the 11 XQuAD-R languages, 4,000 steps: about 5 minutes on 2 CPU cores',
});
registerEnumType(RetrievalModeEnum, {
  name: 'RetrievalMode',
  description: 'DENSE: the checkpoint\'s encoder; LEXICAL: BM25 with per-language analysis (and dictionary translation across languages); HYBRID: both, fused',
});
registerEnumType(FusionMethodEnum, {
  name: 'FusionMethod',
  description: 'RRF: reciprocal-rank fusion, 1/(k + rank) summed over the lists; WEIGHTED: denseWeight x dense + (1 - denseWeight) x lexical after min-max normalisation',
});
registerEnumType(ExperimentPresetEnum, { name: 'ExperimentPreset', description: 'Sized for a 2-core machine: SMOKE under 2 minutes, QUICK under 10, PAPER_CPU under 60' });
