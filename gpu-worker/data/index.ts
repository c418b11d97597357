// Training data: every dataset loaded into parallel groups (types.ts), and the leakage guard.

export { bitextGroups, parseIdSentences } from './bitext.js';
export { dictionaryGroups, parseDictionary } from './dictionary.js';
export { createDataCache, type DataCache } from './files.js';
export { groupsByLine, pawsxPairs, sentencePairs, splitLines, xnliPairs } from './lines.js';
export { loadTrainingGroups, type LoadOptions } from './load.js';
export { findOverlap, indexEvaluation, MAX_OVERLAP_EXAMPLES, normalizeText, type EvaluationIndex, type Overlap } from './overlap.js';
export { locateAnswer, MIN_THAI_CHUNK, spanAt, splitSentences, type Span } from './sentences.js';
export { parseQaPlain, parseQaSentences, sentenceAt } from './squad.js';
export { joinByGroupId, type LanguageItems, type PairText, type TrainingGroup, type TrainingSource } from './types.js';
