// Checks the retrieval settings of a search or an evaluation: mode, fusion and dictionary, with
// defaults from schema/serving.ts. A setting that would be ignored is refused, naming its field.

import { DEFAULT_DENSE_WEIGHT, DEFAULT_RETRIEVAL, DEFAULT_RRF_K, type Fusion, type RetrievalMode, type RetrievalSettings } from '../../schema/serving.js';
import { badUserInput } from '../errors.js';

export interface RetrievalInput {
  mode?: RetrievalMode | null;
  fusion?: { method: 'RRF' | 'WEIGHTED'; k?: number | null; denseWeight?: number | null } | null;
  dictionary?: boolean | null;
}

/** RRF's k: past a few hundred, rank differences vanish into the constant. */
export const MAX_RRF_K = 1_000;

/** The fusion asked for, with defaults; a setting of the other method is refused rather than ignored. */
function checkFusion(fusion: NonNullable<RetrievalInput['fusion']>, at: (field: string) => string): Fusion {
  switch (fusion.method) {
    case 'RRF': {
      if (fusion.denseWeight != null) throw badUserInput(at('fusion.denseWeight'), fusion.denseWeight, 'applies to WEIGHTED fusion only');
      const k = fusion.k ?? DEFAULT_RRF_K;
      if (!Number.isInteger(k) || k < 1 || k > MAX_RRF_K) throw badUserInput(at('fusion.k'), k, `is not an integer in [1, ${MAX_RRF_K}]`);
      return { kind: 'RRF', k };
    }
    case 'WEIGHTED': {
      if (fusion.k != null) throw badUserInput(at('fusion.k'), fusion.k, 'applies to RRF fusion only');
      const denseWeight = fusion.denseWeight ?? DEFAULT_DENSE_WEIGHT;
      if (!(denseWeight >= 0 && denseWeight <= 1)) throw badUserInput(at('fusion.denseWeight'), denseWeight, 'is not in [0, 1]');
      return { kind: 'WEIGHTED', denseWeight };
    }
    default:
      return fusion.method satisfies never;
  }
}

/** `at` names a field of the input being checked, e.g. input.fusion.k. */
export function checkRetrieval(input: RetrievalInput, at: (field: string) => string): RetrievalSettings {
  const mode = input.mode ?? DEFAULT_RETRIEVAL.mode;
  if (input.fusion != null && mode !== 'HYBRID') throw badUserInput(at('fusion'), input.fusion.method, `applies to HYBRID mode only, not ${mode}`);
  return {
    mode,
    fusion: input.fusion != null ? checkFusion(input.fusion, at) : DEFAULT_RETRIEVAL.fusion,
    dictionary: input.dictionary ?? DEFAULT_RETRIEVAL.dictionary,
  };
}
