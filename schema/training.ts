// The specification of a training run as the gateway stores it (Run row) and the worker reads it.
// Defaults live here, in one place, so that the gateway and the worker never disagree on them.

export const BATCH_STRATEGIES = ['MONO', 'CROSS', 'HYBRID'] as const;
export type BatchStrategy = (typeof BATCH_STRATEGIES)[number];

/** PRETRAINED: a registered Hugging Face BERT / XLM-R checkpoint (ModelSpec.pretrained), fine-tuned. */
export const MODEL_FAMILIES = ['BAG_OF_SUBWORDS', 'TRANSFORMER', 'PRETRAINED'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/** POOLER: BERT's tanh(dense(CLS)), as LaBSE embeds; PRETRAINED checkpoints that have one. */
export const POOLINGS = ['MEAN', 'CLS', 'POOLER'] as const;
export type Pooling = (typeof POOLINGS)[number];

/**
 * XLM_R: the XLM-R SentencePiece tokenizer (tokenizer.json under MODELS_DIR); HASHED: hashed words
 * and character n-grams, no file needed; PRETRAINED: the tokenizer.json of the pretrained model.
 */
export const TOKENIZERS = ['XLM_R', 'HASHED', 'PRETRAINED'] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];

/** What `evaluate` evaluates: retrieval (XQuAD-R, MLQA-R), alignment (XNLI), bitext mining (BUCC 2018 zh-en). */
export const EVALUATION_SUITES = ['XQUAD_R', 'MLQA_R', 'XNLI_ALIGNMENT', 'BUCC2018'] as const;
export type EvaluationSuite = (typeof EVALUATION_SUITES)[number];

/**
 * Suites a run may name; it then refuses to train on any group they contain. BUCC 2018 holds
 * mining candidates, not training groups, and no catalog source trains on it (bitext is not trainable).
 */
export const RUN_EVALUATION_SUITES = ['XQUAD_R', 'MLQA_R', 'XNLI_ALIGNMENT'] as const satisfies readonly EvaluationSuite[];

/** Suites measured on embeddings alone (alignment, bitext mining), not through search: lexical baselines have none. */
export const EMBEDDING_SUITES: readonly EvaluationSuite[] = ['XNLI_ALIGNMENT', 'BUCC2018'];

/** The suites evaluate runs when none are named: the bitext-mining suite only when asked for (it embeds 22,000 sentences). */
export const DEFAULT_EVALUATION_SUITES: readonly EvaluationSuite[] = RUN_EVALUATION_SUITES;

export interface ModelSpec {
  family: ModelFamily;
  /** Embedding width. */
  dimension: number;
  /** Transformer layers; 0 for the bag-of-subwords family. */
  layers: number;
  heads: number;
  /** Tokens kept per text. */
  maxLength: number;
  /**
   * Rows of the embedding table. HASHED: number of hash buckets. XLM_R: the vocabulary is pruned to
   * the most frequent pieces of the training texts, at most this many (plus special tokens).
   */
  vocabularySize: number;
  pooling: Pooling;
  tokenizer: TokenizerName;
  /** Feed-forward width of TRANSFORMER layers. */
  ffnDimension: number;
  /** PRETRAINED only: the registered model the run starts from. */
  pretrained?: PretrainedSource;
}

export interface PretrainedSource {
  /** Its registered name. */
  name: string;
  /** The Hugging Face folder: absolute, or relative to MODELS_DIR (each process resolves it against its own). */
  path: string;
}

export interface HyperParameters {
  steps: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  warmupSteps: number;
  /** Cosine similarities are multiplied by this before the softmax (1 / temperature). */
  scale: number;
  /** Metrics are recorded and progress published every this many steps. */
  logEvery: number;
  /** Adds the passage-to-query InfoNCE term to the query-to-passage one. */
  symmetricLoss: boolean;
  /** Global-norm gradient clipping; 0 turns it off. */
  gradientClipNorm: number;
  /** Share of the parallel groups held out for the validation loss (by group, so no leakage). */
  validationFraction: number;
  /** Validation loss every this many steps (and at the end). */
  validateEvery: number;
  /** Stop after this many validations without improvement; 0 turns early stopping off. */
  earlyStoppingPatience: number;
  /** A resumable checkpoint (weights, optimizer state, step) every this many steps. */
  checkpointEvery: number;
  /**
   * Resumable checkpoints whose files stay on disk: older ones are pruned (their rows stay). The
   * final checkpoint and those a collection serves are never pruned.
   */
  keepCheckpoints: number;
  /** A sweep's trials: the validation they share (absent: the run's own, from its seed, alpha, batch size and scale). */
  validationSet?: SharedValidation;
}

/**
 * The validation every trial of a sweep uses, so that their losses measure the same thing and the
 * median rule compares like with like: the held-out groups and the fixed batches are drawn with
 * `seed`, round(alpha * n) of them monolingual, `batchSize` pairs each (InfoNCE grows with the
 * number of in-batch negatives), the loss at temperature 1 / `scale`.
 */
export interface SharedValidation {
  seed: number;
  alpha: number;
  batchSize: number;
  scale: number;
}

export interface TrainingSpec {
  strategy: BatchStrategy;
  /** Probability of a monolingual batch under HYBRID; 1 for MONO, 0 for CROSS. */
  alpha: number;
  trainDatasets: string[];
  languages: string[];
  seed: number;
  /** The run refuses to train on any group these suites contain (zero-shot protocol). */
  evaluationSuites: EvaluationSuite[];
  /** Imported evaluation suites (RETRIEVAL, BITEXT) the run is evaluated on: their text is refused too. Absent: none. */
  evaluationDatasets?: string[];
  model: ModelSpec;
  hyperParameters: HyperParameters;
}

export const DEFAULT_MODEL: ModelSpec = {
  family: 'BAG_OF_SUBWORDS',
  dimension: 64,
  layers: 0,
  heads: 4,
  maxLength: 48,
  vocabularySize: 8192,
  pooling: 'MEAN',
  tokenizer: 'XLM_R',
  ffnDimension: 256,
};

export const DEFAULT_HYPER_PARAMETERS: HyperParameters = {
  steps: 100,
  batchSize: 32,
  learningRate: 1e-3,
  weightDecay: 0.01,
  warmupSteps: 10,
  scale: 20,
  logEvery: 5,
  symmetricLoss: false,
  gradientClipNorm: 1,
  validationFraction: 0.05,
  validateEvery: 50,
  earlyStoppingPatience: 0,
  checkpointEvery: 50,
  keepCheckpoints: 3,
};

export const DEFAULT_TRAINING = {
  strategy: 'HYBRID' as BatchStrategy,
  alpha: 0.5,
  trainDatasets: ['mlqa-r'],
  languages: ['en', 'de', 'es'],
  seed: 42,
  evaluationSuites: [] as EvaluationSuite[],
};

/** Which dataset of the catalog each evaluation suite is built from. */
export const SUITE_DATASET: Readonly<Record<EvaluationSuite, string>> = {
  XQUAD_R: 'xquad-r',
  MLQA_R: 'mlqa-r',
  XNLI_ALIGNMENT: 'xnli',
  BUCC2018: 'bucc2018',
};

/** Alpha is implied by MONO and CROSS; only HYBRID takes it from the user. */
export function effectiveAlpha(strategy: BatchStrategy, alpha: number): number {
  switch (strategy) {
    case 'MONO':
      return 1;
    case 'CROSS':
      return 0;
    case 'HYBRID':
      return alpha;
  }
}
