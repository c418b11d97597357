// Vocabulary pruning for models trained from scratch. XLM-R's tokenizer has 250,002 pieces; a
// table of that many rows would dwarf a small encoder and most rows would never be trained. The
// kept rows are the special tokens plus the pieces most frequent in the training texts; every
// other piece (and the tokenizer's own unknown id) shares one unknown row. Row 0 is padding, so
// that padBatch's zero fill points at a row that is never trained.

export const PADDING_ROW = 0;
export const UNKNOWN_ROW = 1;
const RESERVED_ROWS = 2;

export interface VocabularyState {
  kind: 'pruned';
  /** Original id of every row from row 2 on: special tokens first, then by falling frequency. */
  pieceIds: number[];
}

export interface Vocabulary {
  /** Rows of the embedding table. */
  readonly size: number;
  rowOf(id: number): number;
  rows(ids: ArrayLike<number>): Int32Array;
  state(): VocabularyState;
}

export interface BuildVocabularyOptions {
  /** Ids kept whether or not they occur (the template's special tokens), in this order. */
  keep?: readonly number[];
  /** The tokenizer's unknown id: mapped to the unknown row, never given a row of its own. */
  unknownId?: number;
}

export function restoreVocabulary(state: VocabularyState): Vocabulary {
  const pieceIds = [...state.pieceIds];
  const maxId = pieceIds.reduce((a, b) => Math.max(a, b), -1);
  const table = new Int32Array(maxId + 1).fill(UNKNOWN_ROW);
  pieceIds.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0) throw new RangeError(`invalid piece id ${id} in vocabulary state`);
    if (table[id] !== UNKNOWN_ROW) throw new RangeError(`piece id ${id} appears twice in vocabulary state`);
    table[id] = RESERVED_ROWS + i;
  });
  const rowOf = (id: number) => (id >= 0 && id < table.length ? table[id]! : UNKNOWN_ROW);
  return {
    size: RESERVED_ROWS + pieceIds.length,
    rowOf,
    rows: (ids) => Int32Array.from(ids, rowOf),
    state: () => ({ kind: 'pruned', pieceIds: [...pieceIds] }),
  };
}

/**
 * Keeps the `keep` ids and at most `maxSize` other piece ids, the most frequent in
 * `tokenizedTexts` (ties broken by the smaller id, so the result does not depend on text order).
 */
export function buildVocabulary(tokenizedTexts: Iterable<ArrayLike<number>>, maxSize: number, options: BuildVocabularyOptions = {}): Vocabulary {
  const { keep = [], unknownId } = options;
  if (!Number.isInteger(maxSize) || maxSize < 0) throw new RangeError(`vocabulary size must be a non-negative integer, got ${maxSize}`);
  const counts = new Map<number, number>();
  for (const ids of tokenizedTexts) {
    for (let i = 0; i < ids.length; i++) counts.set(ids[i]!, (counts.get(ids[i]!) ?? 0) + 1);
  }
  const reserved = new Set(keep);
  if (unknownId !== undefined) reserved.add(unknownId);
  const frequent = [...counts]
    .filter(([id]) => !reserved.has(id))
    .sort(([a, ca], [b, cb]) => cb - ca || a - b)
    .slice(0, maxSize)
    .map(([id]) => id);
  return restoreVocabulary({ kind: 'pruned', pieceIds: [...new Set(keep)].filter((id) => id !== unknownId).concat(frequent) });
}
