// The one validation of a training run, shared by the gateway (TrainingRunInput → TrainingSpec,
// with the caller's caps) and the worker (the stored Run row → TrainingSpec). Both end in
// trainingSpecSchema, so a spec the gateway accepts is one the worker accepts. Issue messages are
// written to follow `<field>: <value> `, e.g. `alpha: 1.5 is not in [0, 1]`.

import { z } from 'zod';
import type { Role } from './auth.js';
import {
  BATCH_STRATEGIES,
  DEFAULT_HYPER_PARAMETERS,
  DEFAULT_MODEL,
  DEFAULT_TRAINING,
  RUN_EVALUATION_SUITES,
  MODEL_FAMILIES,
  POOLINGS,
  TOKENIZERS,
  effectiveAlpha,
  type BatchStrategy,
  type HyperParameters,
  type ModelSpec,
  type TrainingSpec,
} from './training.js';

type Maybe<T> = T | null | undefined;

export const TRAINING_LIMITS = {
  steps: [1, 1_000_000],
  batchSize: [2, 4096],
  seed: [0, 2 ** 31 - 1],
  dimension: [8, 4096],
  layers: [1, 48],
  heads: [1, 64],
  maxLength: [4, 512],
  vocabularySize: [16, 262_144],
  ffnDimension: [1, 8192],
  every: [1, 1_000_000],
  patience: [0, 1_000_000],
  gradientClipNorm: [0, 1e6],
  keepCheckpoints: [1, 100],
} as const;

export interface ModelInputData {
  family?: Maybe<string>;
  dimension?: Maybe<number>;
  layers?: Maybe<number>;
  heads?: Maybe<number>;
  maxLength?: Maybe<number>;
  vocabularySize?: Maybe<number>;
  pooling?: Maybe<string>;
  tokenizer?: Maybe<string>;
  ffnDimension?: Maybe<number>;
}

export interface TrainingRunInputData {
  strategy?: Maybe<string>;
  alpha?: Maybe<number>;
  trainDatasets?: Maybe<readonly string[]>;
  languages?: Maybe<readonly string[]>;
  model?: Maybe<ModelInputData>;
  steps?: Maybe<number>;
  batchSize?: Maybe<number>;
  learningRate?: Maybe<number>;
  weightDecay?: Maybe<number>;
  warmupSteps?: Maybe<number>;
  scale?: Maybe<number>;
  logEvery?: Maybe<number>;
  symmetricLoss?: Maybe<boolean>;
  gradientClipNorm?: Maybe<number>;
  validationFraction?: Maybe<number>;
  validateEvery?: Maybe<number>;
  earlyStoppingPatience?: Maybe<number>;
  checkpointEvery?: Maybe<number>;
  keepCheckpoints?: Maybe<number>;
  evaluationSuites?: Maybe<readonly string[]>;
  evaluationDatasets?: Maybe<readonly string[]>;
  seed?: Maybe<number>;
  experimentId?: Maybe<string>;
  idempotencyKey?: Maybe<string>;
  baseModel?: Maybe<string>;
  /** A named recipe (schema/recipes.ts) whose settings fill what the input leaves out. */
  recipe?: Maybe<string>;
  /** A run that would need a GPU worker (schema/capabilities.ts) may run on a CPU worker. */
  allowCpu?: Maybe<boolean>;
  /** Admission priority of its TRAIN job (schema/admission.ts). */
  priority?: Maybe<number>;
}

/** What a run needs of a registered model (a RegisteredModel row). */
export interface BaseModel {
  name: string;
  path: string;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  vocabSize: number;
  maxTokens: number;
  hasPooler: boolean;
  /** Counted from the safetensors at registration; without it the architecture gives an estimate. */
  parameters?: number | null;
}

// ---------------------------------------------------------------------------------------------
// Caps: what one run may cost, by the role of its caller.

export interface TrainingCaps {
  maxParameters: number;
  maxSteps: number;
  maxBatchSize: number;
  /** Disk for the kept checkpoints of one run (CHECKPOINT_BYTES_PER_PARAMETER each). */
  maxCheckpointBytes: number;
}

const GiB = 2 ** 30;

export const DEFAULT_TRAINING_CAPS: Record<Extract<Role, 'trainer' | 'admin'>, TrainingCaps> = {
  trainer: { maxParameters: 300_000_000, maxSteps: 200_000, maxBatchSize: 1024, maxCheckpointBytes: 8 * GiB },
  admin: { maxParameters: 1_200_000_000, maxSteps: 1_000_000, maxBatchSize: 4096, maxCheckpointBytes: 64 * GiB },
};

/** float32 weights and AdamW's two moments, which a resumable checkpoint stores. */
export const CHECKPOINT_BYTES_PER_PARAMETER = 12;

/**
 * Trainable parameters of a model spec. TRANSFORMER counts the weights gpu-worker/encoding/transformer.ts
 * creates (pre-LN); PRETRAINED takes the registered count when known, else the same formula.
 */
export function estimateParameters(model: ModelSpec, base?: Pick<BaseModel, 'parameters'>): number {
  const { family, vocabularySize: v, dimension: d, layers, maxLength, ffnDimension: f } = model;
  if (family === 'BAG_OF_SUBWORDS') return v * d;
  if (family === 'PRETRAINED' && base?.parameters) return base.parameters;
  // qkv and out projections with biases, two LayerNorms, the feed-forward pair with biases.
  const perLayer = 4 * d * d + 4 * d + 4 * d + 2 * d * f + f + d;
  return v * d + maxLength * d + layers * perLayer + 2 * d;
}

export function checkpointBytes(parameters: number, kept: number): number {
  return parameters * CHECKPOINT_BYTES_PER_PARAMETER * kept;
}

// ---------------------------------------------------------------------------------------------
// Field schemas. Messages complete `<field>: <value> `.

type Range = readonly [number, number];

/** A schema by its output; its input is left open so that it can end a pipe. */
type Parses<T> = z.ZodType<T, any>;

const rangeText = ([min, max]: Range, open = '[]') =>
  max === Infinity ? `is not ${open[0] === '(' ? '>' : '>='} ${min}` : `is not in ${open[0]}${min}, ${max}${open[1]}`;

function integer(range: Range, required = `is required: an integer in [${range.join(', ')}]`) {
  const outside = rangeText(range);
  return z
    .number({ error: (issue) => (issue.input === undefined ? required : 'is not an integer') })
    .int({ error: 'is not an integer' })
    .refine((n) => n >= range[0] && n <= range[1], { error: outside, abort: true });
}

/** `open`: '[]', '(]' or '[)' for which ends are included. */
function real(range: Range, open = '[]', note = '') {
  const message = rangeText(range, open) + note;
  const [min, max] = range;
  return z
    .number({ error: message })
    .refine((n) => (open[0] === '[' ? n >= min : n > min) && (open[1] === ']' ? n <= max : n < max), { error: message });
}

const oneOf = <T extends string>(values: readonly [T, ...T[]]) => z.enum(values, { error: `is not one of ${values.join(', ')}` });

/** Duplicates are reported at the later item, as `trainDatasets[1]`. */
function uniqueList<T extends z.ZodType<string>>(item: T) {
  return z.array(item, { error: 'is not a list' }).superRefine((list, ctx) => {
    list.forEach((value, i) => {
      if (list.indexOf(value) !== i) ctx.addIssue({ code: 'custom', path: [i], input: value, message: 'is listed twice' });
    });
  });
}

const LANGUAGE_CODE = /^[a-z]{2}$/;
const MAX_KEY_LENGTH = 200;

const pooling = oneOf(POOLINGS);
const tokenizer = oneOf(TOKENIZERS);
const ownTokenizer = tokenizer.refine((t) => t !== 'PRETRAINED', { error: 'belongs to PRETRAINED models (name a registered baseModel)' });
const noPooler = pooling.refine((p) => p !== 'POOLER', { error: 'needs a PRETRAINED model with a pooler (name a registered baseModel)' });
const L = TRAINING_LIMITS;

const bagOfSubwords = z.object({
  family: z.literal('BAG_OF_SUBWORDS'),
  dimension: integer(L.dimension),
  layers: z.literal(0, { error: 'must be 0 for BAG_OF_SUBWORDS, which has no layers' }),
  heads: integer(L.heads),
  maxLength: integer(L.maxLength),
  vocabularySize: integer(L.vocabularySize),
  pooling: pooling.refine((p) => p === 'MEAN', { error: 'is not possible for BAG_OF_SUBWORDS, which has no CLS token; use MEAN' }),
  tokenizer: ownTokenizer,
  ffnDimension: integer(L.ffnDimension),
});

const transformer = z
  .object({
    family: z.literal('TRANSFORMER'),
    dimension: integer(L.dimension),
    layers: integer(L.layers, `is required for TRANSFORMER (an integer in [${L.layers.join(', ')}])`),
    heads: integer(L.heads),
    maxLength: integer(L.maxLength),
    vocabularySize: integer(L.vocabularySize),
    pooling: noPooler,
    tokenizer: ownTokenizer,
    ffnDimension: integer(L.ffnDimension),
  })
  .superRefine((m, ctx) => {
    if (m.dimension % m.heads !== 0) ctx.addIssue({ code: 'custom', path: ['heads'], input: m.heads, message: `does not divide dimension ${m.dimension}` });
  });

/** The architecture is the registered model's: only checked to be usable, not against the limits above. */
const positive = integer([1, Infinity]);
const pretrained = z.object({
  family: z.literal('PRETRAINED'),
  dimension: positive,
  layers: positive,
  heads: positive,
  // The upper bound is the registered model's position table, checked where that model is known.
  maxLength: integer([L.maxLength[0], Infinity]),
  vocabularySize: positive,
  pooling,
  tokenizer: z.literal('PRETRAINED', { error: 'is not PRETRAINED: a PRETRAINED model uses its own tokenizer' }),
  ffnDimension: positive,
  pretrained: z.object(
    { name: z.string({ error: 'is not a string' }), path: z.string({ error: 'is not a string' }).min(1, { error: 'is empty' }) },
    { error: 'is required for family PRETRAINED' },
  ),
});

export const modelSpecSchema: Parses<ModelSpec> = z
  .looseObject({ family: oneOf(MODEL_FAMILIES) }, { error: 'is not an object' })
  .pipe(z.discriminatedUnion('family', [bagOfSubwords, transformer, pretrained]));

export const hyperParametersSchema = z
  .object({
    steps: integer(L.steps),
    batchSize: integer(L.batchSize),
    learningRate: real([0, 1], '(]'),
    weightDecay: real([0, 1]),
    warmupSteps: integer([0, L.steps[1] - 1]),
    scale: real([0, 1000], '(]'),
    logEvery: integer(L.every),
    symmetricLoss: z.boolean({ error: 'is not true or false' }),
    gradientClipNorm: real(L.gradientClipNorm, '[]', ' (0 turns clipping off)'),
    // Holding out half the groups or more leaves too little to train on.
    validationFraction: real([0, 0.5], '[)'),
    validateEvery: integer(L.every),
    earlyStoppingPatience: integer(L.patience),
    checkpointEvery: integer(L.every),
    keepCheckpoints: integer(L.keepCheckpoints),
    validationSet: z.object({ seed: integer(L.seed), alpha: real([0, 1]), batchSize: integer(L.batchSize), scale: real([0, 1000], '(]') }).optional(),
  })
  .superRefine((hp, ctx) => {
    const issue = (field: keyof HyperParameters, message: string) => ctx.addIssue({ code: 'custom', path: [field], input: hp[field], message });
    if (hp.warmupSteps > hp.steps - 1) issue('warmupSteps', rangeText([0, hp.steps - 1]));
    if (hp.logEvery > hp.steps) issue('logEvery', rangeText([1, hp.steps]));
    if (hp.earlyStoppingPatience > 0 && hp.validationFraction === 0) issue('earlyStoppingPatience', 'needs a validation set; set validationFraction above 0');
  }) satisfies z.ZodType<HyperParameters>;

/** The complete spec, as stored on a Run row and trained by the worker. */
export const trainingSpecSchema: Parses<TrainingSpec> = z
  .object({
    strategy: oneOf(BATCH_STRATEGIES),
    alpha: real([0, 1]),
    trainDatasets: uniqueList(z.string({ error: 'is not a string' })).min(1, { error: 'is empty; name at least one dataset' }),
    evaluationSuites: uniqueList(oneOf(RUN_EVALUATION_SUITES)),
    evaluationDatasets: uniqueList(z.string({ error: 'is not a string' })).max(20, { error: 'names more than 20 datasets' }).optional(),
    languages: uniqueList(z.string({ error: 'is not a string' }).regex(LANGUAGE_CODE, { error: 'is not a two-letter ISO 639-1 code' })),
    model: modelSpecSchema,
    hyperParameters: hyperParametersSchema,
    seed: integer(L.seed),
  })
  .superRefine((spec, ctx) => {
    const implied = effectiveAlpha(spec.strategy, spec.alpha);
    if (implied !== spec.alpha) {
      ctx.addIssue({ code: 'custom', path: ['alpha'], input: spec.alpha, message: `contradicts strategy ${spec.strategy}, which implies alpha = ${implied}` });
    }
    const needed = spec.strategy === 'MONO' ? 1 : 2;
    if (spec.languages.length < needed) {
      const reason = spec.strategy === 'MONO' ? '' : ` (${spec.strategy} pairs queries and passages of different languages)`;
      ctx.addIssue({ code: 'custom', path: ['languages'], input: spec.languages, message: `has ${spec.languages.length} language(s); ${spec.strategy} needs at least ${needed}${reason}` });
    }
  });

// ---------------------------------------------------------------------------------------------
// Defaults. Two hyper-parameters default relative to steps, for short runs.

export function defaultHyperParameters(steps: unknown): HyperParameters {
  const d = DEFAULT_HYPER_PARAMETERS;
  if (typeof steps !== 'number') return { ...d };
  return { ...d, warmupSteps: Math.min(d.warmupSteps, steps - 1), logEvery: Math.min(d.logEvery, steps) };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The entries that are set: null and undefined mean "take the default". */
const given = (value: object | null | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== null && v !== undefined));

const isStrategy = (value: unknown): value is BatchStrategy => (BATCH_STRATEGIES as readonly unknown[]).includes(value);

// ---------------------------------------------------------------------------------------------
// The worker's side: a Run row. Model and hyperParameters are Json columns that rows written by
// older versions fill only partly; evaluationSuites is absent from rows read by an older client.

const storedObject = z.unknown().refine((v) => v === null || v === undefined || isObject(v), { error: 'is not an object' });

export const storedTrainingSpecSchema: Parses<TrainingSpec> = z
  .object({
    strategy: z.unknown(),
    alpha: z.unknown(),
    trainDatasets: z.unknown(),
    languages: z.unknown(),
    seed: z.unknown(),
    model: storedObject,
    hyperParameters: storedObject,
    evaluationSuites: z.unknown().optional(),
    evaluationDatasets: z.unknown().optional(),
  })
  .transform((run) => {
    const hp = given(run.hyperParameters as object | null);
    return {
      strategy: run.strategy,
      // Rows store what the input said; MONO and CROSS fix it.
      alpha: isStrategy(run.strategy) && typeof run.alpha === 'number' ? effectiveAlpha(run.strategy, run.alpha) : run.alpha,
      trainDatasets: run.trainDatasets,
      evaluationSuites: run.evaluationSuites ?? [...DEFAULT_TRAINING.evaluationSuites],
      // Absent and empty mean the same: none (the gateway's spec leaves it out).
      ...(Array.isArray(run.evaluationDatasets) && run.evaluationDatasets.length > 0 ? { evaluationDatasets: run.evaluationDatasets } : {}),
      languages: run.languages,
      model: { ...DEFAULT_MODEL, ...given(run.model as object | null) },
      hyperParameters: { ...defaultHyperParameters(hp.steps ?? DEFAULT_HYPER_PARAMETERS.steps), ...hp },
      seed: run.seed,
    };
  })
  .pipe(trainingSpecSchema);

// ---------------------------------------------------------------------------------------------
// The gateway's side: a TrainingRunInput, with the registered base model it names (looked up by
// the caller) and the caller's caps.

export interface ResolvedTrainingInput {
  spec: TrainingSpec;
  experimentId: string | null;
  idempotencyKey: string | null;
  /** Trainable parameters of the model (estimateParameters; a registered base model's own count). */
  parameters: number;
}

/** Tokens per text of a PRETRAINED run when not given: enough for a question or a sentence. */
const PRETRAINED_MAX_LENGTH = 128;
const SET_BY_BASE = ['dimension', 'layers', 'heads', 'vocabularySize', 'ffnDimension', 'tokenizer'] as const;

function candidateModel(input: ModelInputData, base: BaseModel | undefined): Record<string, unknown> {
  const set = given(input);
  const family = set.family ?? (base ? 'PRETRAINED' : DEFAULT_MODEL.family);
  if (family === 'PRETRAINED' && base) {
    return {
      family,
      dimension: base.hiddenSize,
      layers: base.layers,
      heads: base.heads,
      maxLength: set.maxLength ?? Math.min(PRETRAINED_MAX_LENGTH, base.maxTokens),
      vocabularySize: base.vocabSize,
      pooling: set.pooling ?? DEFAULT_MODEL.pooling,
      tokenizer: 'PRETRAINED',
      ffnDimension: base.intermediateSize,
      pretrained: { name: base.name, path: base.path },
    };
  }
  // A TRANSFORMER's depth is the main cost decision: no default.
  return { ...DEFAULT_MODEL, ...(family === 'TRANSFORMER' ? { layers: undefined } : {}), ...set, family };
}

const optionalText = (problem: string, ok: (s: string) => boolean) => z.string({ error: 'is not a string' }).refine(ok, { error: problem }).nullish();

const short = (n: number) =>
  n >= 1e9 ? `${+(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)}k` : String(n);
const bytes = (n: number) => (n >= GiB ? `${+(n / GiB).toFixed(2)} GiB` : `${+(n / 2 ** 20).toFixed(1)} MiB`);

/**
 * TrainingRunInputData → ResolvedTrainingInput. Issue paths are the input's: `model.dimension`,
 * `steps` (not `hyperParameters.steps`), `languages[1]`; see inputField. `base`: the registered
 * model input.baseModel names, when it names one.
 */
export function trainingInputSchema(options: { base?: BaseModel; caps: TrainingCaps }) {
  const { base, caps } = options;
  const input = z
    .looseObject({
      experimentId: optionalText('is empty', (s) => s.trim() !== ''),
      idempotencyKey: optionalText(`must be 1..${MAX_KEY_LENGTH} characters`, (s) => s.trim() !== '' && s.length <= MAX_KEY_LENGTH),
      baseModel: z.string().nullish(),
      model: z.looseObject({}, { error: 'is not an object' }).nullish(),
    })
    .superRefine((raw, ctx) => {
      const model = given((raw.model ?? {}) as ModelInputData) as ModelInputData;
      const family = model.family ?? (base ? 'PRETRAINED' : DEFAULT_MODEL.family);
      const issue = (path: PropertyKey[], value: unknown, message: string) => ctx.addIssue({ code: 'custom', path, input: value ?? null, message });
      if (!base) {
        if (family === 'PRETRAINED') issue(['baseModel'], raw.baseModel, 'is required for family PRETRAINED: name a registered model');
        return;
      }
      if (family !== 'PRETRAINED') return issue(['model', 'family'], family, 'contradicts input.baseModel (a registered model is PRETRAINED)');
      for (const field of SET_BY_BASE) {
        if (model[field] != null) issue(['model', field], model[field], `is set by the registered model ${base.name}; leave it out`);
      }
    })
    .transform((raw) => {
      const run = raw as TrainingRunInputData;
      const strategy = run.strategy ?? DEFAULT_TRAINING.strategy;
      const hp = given({ ...run, model: undefined });
      return {
        spec: {
          strategy,
          alpha: run.alpha ?? (isStrategy(strategy) ? effectiveAlpha(strategy, DEFAULT_TRAINING.alpha) : DEFAULT_TRAINING.alpha),
          trainDatasets: run.trainDatasets ?? DEFAULT_TRAINING.trainDatasets,
          evaluationSuites: run.evaluationSuites ?? DEFAULT_TRAINING.evaluationSuites,
          ...(run.evaluationDatasets ? { evaluationDatasets: run.evaluationDatasets } : {}),
          languages: run.languages ?? DEFAULT_TRAINING.languages,
          model: candidateModel(run.model ?? {}, base),
          hyperParameters: Object.fromEntries(
            Object.entries(defaultHyperParameters(hp.steps ?? DEFAULT_HYPER_PARAMETERS.steps)).map(([k, v]) => [k, hp[k] ?? v]),
          ),
          seed: run.seed ?? DEFAULT_TRAINING.seed,
        },
        experimentId: run.experimentId ?? null,
        idempotencyKey: run.idempotencyKey ?? null,
      };
    });
  const checked = z.object({
    spec: trainingSpecSchema.superRefine((spec, ctx) => {
      const issue = (path: PropertyKey[], value: unknown, message: string) => ctx.addIssue({ code: 'custom', path, input: value, message });
      const { model, hyperParameters: hp } = spec;
      if (base) {
        if (model.maxLength > base.maxTokens) issue(['model', 'maxLength'], model.maxLength, rangeText([L.maxLength[0], base.maxTokens]));
        if (model.pooling === 'POOLER' && !base.hasPooler) issue(['model', 'pooling'], model.pooling, `needs a pooler, which ${base.name} lacks; use MEAN or CLS`);
      }
      const parameters = estimateParameters(model, base);
      if (parameters > caps.maxParameters) {
        issue(['model'], model, `has ${short(parameters)} parameters (${parameters}, estimated), over the cap of ${short(caps.maxParameters)} per run`);
        return;
      }
      if (hp.steps > caps.maxSteps) issue(['hyperParameters', 'steps'], hp.steps, `is over the cap of ${caps.maxSteps} steps per run`);
      if (hp.batchSize > caps.maxBatchSize) issue(['hyperParameters', 'batchSize'], hp.batchSize, `is over the cap of ${caps.maxBatchSize} pairs per batch`);
      const each = checkpointBytes(parameters, 1);
      if (each * hp.keepCheckpoints > caps.maxCheckpointBytes) {
        const what = `${bytes(each)} per checkpoint (${short(parameters)} parameters × ${CHECKPOINT_BYTES_PER_PARAMETER} bytes: weights and two Adam moments)`;
        const fits = Math.floor(caps.maxCheckpointBytes / each);
        if (fits >= L.keepCheckpoints[0]) {
          issue(['hyperParameters', 'keepCheckpoints'], hp.keepCheckpoints,
            `checkpoints at ${what} take ${bytes(each * hp.keepCheckpoints)}, over the cap of ${bytes(caps.maxCheckpointBytes)} per run; keep at most ${fits}`);
        } else {
          issue(['model'], model, `needs ${what}, over the checkpoint disk cap of ${bytes(caps.maxCheckpointBytes)} per run`);
        }
      }
    }),
    experimentId: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
  });
  return input.pipe(checked) as unknown as z.ZodType<ResolvedTrainingInput, TrainingRunInputData>;
}

// ---------------------------------------------------------------------------------------------
// Issues as field paths and values.

function dotted(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

/** A trainingInputSchema issue's field under `root`: `input.model.dimension`, `input.steps`, `input.languages[1]`. */
export function inputField(issue: z.core.$ZodIssue, root = 'input'): string {
  let path: readonly PropertyKey[] = issue.path;
  if (path[0] === 'spec') path = path.slice(1);
  if (path[0] === 'hyperParameters') path = path.slice(1);
  return path.length === 0 ? root : `${root}${typeof path[0] === 'number' ? '' : '.'}${dotted(path)}`;
}

/** The offending value (parse with reportInput: true); a missing value is null. */
export const issueValue = (issue: z.core.$ZodIssue): unknown => issue.input ?? null;

const show = (value: unknown) =>
  typeof value === 'number' || value === undefined ? String(value) : (JSON.stringify(value) ?? String(value));

/** For logs and Run.error: `model.dimension: 2.5 is not an integer`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  return `${dotted(issue.path) || 'run'}: ${show(issueValue(issue))} ${issue.message}`;
}
