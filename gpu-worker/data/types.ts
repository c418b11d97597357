// The one form every training dataset is loaded into. A group is one item (a question and its
// answer sentence, a sentence pair, a word) in every language it exists in; the items of a group
// are translations of each other, which is what cross-lingual batches pair up. TrainingGroup and
// TrainingSource are structurally ParallelGroup<PairText> and ParallelSource<PairText> of
// training/sampler.ts, so the sampler consumes them as they are.

/** One language's side of a group. */
export interface PairText {
  query: string;
  /** The query's positive. */
  passage: string;
  /** A passage that looks relevant to the query but is not. */
  hardNegative?: string;
}

export interface TrainingGroup {
  /** Stable and unique within the dataset. */
  id: string;
  dataset: string;
  /** ISO 639-1 code to that language's texts. */
  items: ReadonlyMap<string, PairText>;
  /**
   * The id the texts had in their source (SQuAD/MLQA question ids, imported record ids). Datasets
   * translated from one source share them, so they reveal leakage that text comparison cannot
   * (SQuAD-it translates SQuAD v1.1 dev, which XQuAD-R is drawn from).
   */
  sourceId?: string;
}

export interface TrainingSource {
  name: string;
  /** The requested languages, each of which has at least one group here. */
  languages: readonly string[];
  groups: readonly TrainingGroup[];
}

/** Language to group id to texts: what each reader produces, before groups are joined. */
export type LanguageItems = ReadonlyMap<string, ReadonlyMap<string, PairText>>;

/**
 * Joins per-language items by group id. Groups come in id order (UTF-16 code units), so the order
 * does not depend on which language was read first; groups without any item do not arise.
 */
export function joinByGroupId(dataset: string, byLanguage: LanguageItems, sourceId?: (id: string) => string | undefined): TrainingGroup[] {
  const groups = new Map<string, Map<string, PairText>>();
  for (const [language, items] of byLanguage) {
    for (const [id, text] of items) {
      let group = groups.get(id);
      if (!group) groups.set(id, (group = new Map()));
      group.set(language, text);
    }
  }
  // The default sort compares code units like `<` does, without a call per comparison.
  return [...groups.keys()].sort().map((id) => {
    const items = groups.get(id)!;
    const source = sourceId?.(id);
    return source === undefined ? { id, dataset, items } : { id, dataset, items, sourceId: source };
  });
}
