// Query translation with bilingual dictionaries, so that lexical (BM25) search can match a query
// against sentences in another language. Pure: the dictionaries come in as entry lists (muse.ts
// reads the MUSE files). Entries are expected in the order of the MUSE lists: source words by
// descending corpus frequency, the senses of one word by preference; both orders are used as cues.

export interface WeightedWord {
  /** A target-language word or multi-word expression. */
  text: string;
  /** In (0, 1]. */
  weight: number;
}

export interface DictionaryBridge {
  /** Can text in `from` be translated into `to` (directly or through English)? */
  covers(from: string, to: string): boolean;
  /** Dictionaries a translation from `from` into `to` goes through: 0 (same language), 1, 2 (through English); undefined: not covered. */
  steps(from: string, to: string): number | undefined;
  /**
   * The source words (normalised, case-folded, segmented) as weighted target-language words. A word
   * without an entry is kept as it is with weight 1, so names, numbers and codes still match
   * literally; a word's senses are weighted as BridgeOptions says. Pairs not covered: words kept as they are.
   */
  translate(words: readonly string[], from: string, to: string): WeightedWord[];
  /**
   * The weight of a word of `language` searched in its own language: `ownFrequentWeight` for the
   * language's most frequent words (the first entries of its dictionary into English, or for
   * English of any dictionary out of it), else 1; 1 for a language without a dictionary.
   */
  ownWeight(word: string, language: string): number;
}

export interface DictionaryPair {
  from: string;
  to: string;
  entries: Iterable<[string, string]>;
}

export interface BridgeOptions {
  /** Senses kept per source word, also the cap on a pivot's fan-out. */
  maxSenses?: number;
  /** How a word's weight is shared among its senses: by 1/rank, or equally. */
  senseWeighting?: 'rank' | 'uniform';
  /**
   * 'sum': a word's senses share its weight (a polysemous word counts as much as any other);
   * 'max': the first sense gets the word's full weight and the others their ratio to it.
   */
  senseNormalisation?: 'sum' | 'max';
  /**
   * The `frequentWords` most frequent source words of a dictionary (its first entries) weigh
   * `frequentWeight`: they are mostly function words, whose many senses add noise, not evidence.
   */
  frequentWords?: number;
  frequentWeight?: number;
  /**
   * The weight of those frequent words when a query is searched in its own language (1: as any
   * other word). Question words ("how many", "wie viele") are frequent words that BM25 rewards in
   * short unrelated sentences; a translated query already damps them with `frequentWeight`.
   */
  ownFrequentWeight?: number;
}

// Chosen on MLQA-R (bench/dictionary-bridge.ts, bench/results.md "Dictionary bridge"): a shared
// weight undercounts the one sense that occurs in a matching sentence; BM25's idf already keeps rare
// wrong senses from dominating.
export const BRIDGE_DEFAULTS: Required<BridgeOptions> = {
  maxSenses: 5,
  senseWeighting: 'uniform',
  senseNormalisation: 'max',
  frequentWords: 100,
  frequentWeight: 0.2,
  // Chosen on XNLI and MLQA-R with bench/bm25-settings.ts --own-frequent-weights (1, 0.5, 0.2, 0).
  ownFrequentWeight: 0.5,
};

const PIVOT = 'en';
// Scripts written without spaces: a dictionary word may span several segments or sit inside one.
const UNSPACED = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

interface Lexicon {
  /** Senses joined by '\n': one flat string per word instead of an array with spare capacity (a third of the heap). */
  senses: Map<string, string>;
  /** Rank of the first source words; the others are not frequent. */
  rank: Map<string, number>;
  /** Longest key, in UTF-16 units: bounds the joins and sub-word matches worth trying. */
  longest: number;
}

function buildLexicon(entries: Iterable<[string, string]>, maxSenses: number, frequentWords: number): Lexicon {
  const lists = new Map<string, string[]>();
  const rank = new Map<string, number>();
  let longest = 0;
  for (const [source, target] of entries) {
    let list = lists.get(source);
    if (!list) {
      if (rank.size < frequentWords) rank.set(source, rank.size);
      lists.set(source, (list = []));
      longest = Math.max(longest, source.length);
    }
    if (list.length < maxSenses && !list.includes(target)) list.push(target);
  }
  const senses = new Map<string, string>();
  for (const [source, list] of lists) senses.set(source, list.join('\n'));
  return { senses, rank, longest };
}

/** Weights of ranked senses, summing to 1 or with the largest 1. */
function normalise(raw: number[], normalisation: 'sum' | 'max'): number[] {
  const by = normalisation === 'sum' ? raw.reduce((a, b) => a + b, 0) : Math.max(...raw);
  return raw.map((r) => r / by);
}

const senseShares = (n: number, weighting: 'rank' | 'uniform', normalisation: 'sum' | 'max') =>
  normalise(Array.from({ length: n }, (_, i) => (weighting === 'rank' ? 1 / (i + 1) : 1)), normalisation);

interface Match {
  /** Dictionary key found, or the literal text kept. */
  key: string;
  found: boolean;
  /** Segments consumed. */
  next: number;
}

/**
 * Greedy longest-first: at segment i, the longest run of segments i..j whose join is a key
 * ("new york"; or 北京 from the segments 北 京). A segment of an unspaced script that is no key and
 * starts no joined key is cut into the longest keys inside it, what lies between staying literal.
 */
function matchAt(lexicon: Lexicon, words: readonly string[], i: number): Match[] {
  const first = words[i]!;
  const glue = UNSPACED.test(first) ? '' : ' ';
  let joined = first;
  let best: Match | undefined = lexicon.senses.has(first) ? { key: first, found: true, next: i + 1 } : undefined;
  for (let j = i + 1; j < words.length; j++) {
    joined += glue + words[j]!;
    if (joined.length > lexicon.longest) break;
    if (lexicon.senses.has(joined)) best = { key: joined, found: true, next: j + 1 };
  }
  if (best) return [best];
  if (!UNSPACED.test(first)) return [{ key: first, found: false, next: i + 1 }];
  return splitInside(lexicon, first).map((m) => ({ ...m, next: i + 1 }));
}

function splitInside(lexicon: Lexicon, word: string): Omit<Match, 'next'>[] {
  const chars = Array.from(word);
  const parts: Omit<Match, 'next'>[] = [];
  let literal = '';
  for (let p = 0; p < chars.length; ) {
    let end = 0;
    let piece = '';
    for (let q = p + 1; q <= chars.length; q++) {
      piece += chars[q - 1]!;
      if (piece.length > lexicon.longest) break;
      if (lexicon.senses.has(piece)) end = q;
    }
    if (end === 0) {
      literal += chars[p++]!;
      continue;
    }
    if (literal) parts.push({ key: literal, found: false });
    literal = '';
    parts.push({ key: chars.slice(p, end).join(''), found: true });
    p = end;
  }
  if (literal) parts.push({ key: literal, found: false });
  return parts;
}

export function createDictionaryBridge(pairs: Iterable<DictionaryPair>, options: BridgeOptions = {}): DictionaryBridge {
  const { maxSenses, senseWeighting, senseNormalisation, frequentWords, frequentWeight, ownFrequentWeight } = { ...BRIDGE_DEFAULTS, ...options };
  const lexicons = new Map<string, Lexicon>();
  for (const pair of pairs) lexicons.set(`${pair.from}>${pair.to}`, buildLexicon(pair.entries, maxSenses, frequentWords));
  const lexicon = (from: string, to: string) => lexicons.get(`${from}>${to}`);

  const sourceWeight = (lex: Lexicon, key: string) => ((lex.rank.get(key) ?? Infinity) < frequentWords ? frequentWeight : 1);

  /** Ranked, weighted senses of a key; through English, products capped at maxSenses. */
  const sensesOf = (key: string, first: Lexicon, second: Lexicon | undefined): [string, number][] => {
    const direct = first.senses.get(key)!.split('\n');
    const shares = senseShares(direct.length, senseWeighting, senseNormalisation);
    if (!second) return direct.map((s, i) => [s, shares[i]!]);
    const merged = new Map<string, number>();
    direct.forEach((english, i) => {
      const onward = second.senses.get(english)?.split('\n');
      // An English word with no entry in the second dictionary is usually a name: keep it.
      const targets = onward ?? [english];
      const onwardShares = senseShares(targets.length, senseWeighting, senseNormalisation);
      targets.forEach((t, k) => merged.set(t, (merged.get(t) ?? 0) + shares[i]! * onwardShares[k]!));
    });
    const kept = [...merged].sort((a, b) => b[1] - a[1]).slice(0, maxSenses);
    const weights = normalise(kept.map(([, w]) => w), senseNormalisation);
    return kept.map(([t], i) => [t, weights[i]!]);
  };

  const route = (from: string, to: string): [Lexicon, Lexicon | undefined] | undefined => {
    const direct = lexicon(from, to);
    if (direct) return [direct, undefined];
    if (from === PIVOT || to === PIVOT) return undefined;
    const first = lexicon(from, PIVOT);
    const second = lexicon(PIVOT, to);
    return first && second ? [first, second] : undefined;
  };

  const own = new Map<string, Lexicon | undefined>();
  const ownLexicon = (language: string) => {
    if (!own.has(language)) {
      const found = language === PIVOT ? [...lexicons].find(([key]) => key.startsWith(`${PIVOT}>`))?.[1] : lexicon(language, PIVOT);
      own.set(language, found);
    }
    return own.get(language);
  };

  return {
    covers: (from, to) => from === to || route(from, to) !== undefined,
    steps(from, to) {
      if (from === to) return 0;
      const path = route(from, to);
      return path ? (path[1] ? 2 : 1) : undefined;
    },
    ownWeight(word, language) {
      const lex = ownLexicon(language);
      return lex && (lex.rank.get(word) ?? Infinity) < frequentWords ? ownFrequentWeight : 1;
    },
    translate(words, from, to) {
      const path = from === to ? undefined : route(from, to);
      if (!path) return words.map((text) => ({ text, weight: 1 }));
      const [first, second] = path;
      const out: WeightedWord[] = [];
      for (let i = 0; i < words.length; ) {
        const matches = matchAt(first, words, i);
        for (const m of matches) {
          if (!m.found) {
            out.push({ text: m.key, weight: 1 });
            continue;
          }
          const weight = sourceWeight(first, m.key);
          for (const [text, share] of sensesOf(m.key, first, second)) out.push({ text, weight: weight * share });
        }
        i = matches[0]!.next;
      }
      return out;
    },
  };
}
