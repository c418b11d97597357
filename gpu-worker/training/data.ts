// Moved to gpu-worker/data/: this re-export keeps old importers compiling until they import from
// there. Delete it then.

export { loadTrainingGroups as loadQaSentenceSource, parseQaSentences, sentenceAt, type PairText as QaPair } from '../data/index.js';
