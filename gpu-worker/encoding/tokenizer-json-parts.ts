// The parts of tokenizer.json that do not depend on the model type: its shape, the split on
// added tokens (special tokens written in the text, such as "<mask>"), and the special ids the
// post-processor puts around a single text.

export interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
}

interface ComponentJson {
  type: string;
  [key: string]: unknown;
}

export interface PreTokenizerJson {
  type: string;
  pretokenizers?: PreTokenizerJson[];
  replacement?: string;
  add_prefix_space?: boolean;
  prepend_scheme?: 'always' | 'first' | 'never';
  split?: boolean;
}

export interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  normalizer?: (ComponentJson & { normalizers?: ComponentJson[]; precompiled_charsmap?: string }) | null;
  pre_tokenizer?: PreTokenizerJson | null;
  post_processor?: ComponentJson | null;
  model: {
    type: string;
    vocab?: [string, number][];
    unk_id?: number;
    unk_token?: string;
    byte_fallback?: boolean;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const SPACE = '[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

function matcher(tokens: readonly AddedTokenJson[]): { regex: RegExp; ids: Map<string, number> } | null {
  if (tokens.length === 0) return null;
  const sorted = [...tokens].sort((a, b) => b.content.length - a.content.length);
  const alternatives = sorted.map((t, i) => {
    let body = escape(t.content);
    if (t.single_word) body = `(?<!\\S)${body}(?!\\S)`;
    return `(?<t${i}>${t.lstrip ? `${SPACE}*` : ''}${body}${t.rstrip ? `${SPACE}*` : ''})`;
  });
  return { regex: new RegExp(alternatives.join('|'), 'gu'), ids: new Map(sorted.map((t, i) => [`t${i}`, t.id])) };
}

function split(text: string, m: ReturnType<typeof matcher>, out: (string | number)[], then: (part: string) => void): void {
  if (!m) return then(text);
  let last = 0;
  for (const match of text.matchAll(m.regex)) {
    if (match.index > last) then(text.slice(last, match.index));
    const group = Object.entries(match.groups ?? {}).find(([, v]) => v !== undefined)![0];
    out.push(m.ids.get(group)!);
    last = match.index + match[0].length;
  }
  if (last < text.length) then(text.slice(last));
}

const matchers = new WeakMap<readonly AddedTokenJson[], [ReturnType<typeof matcher>, ReturnType<typeof matcher>]>();

/**
 * Splits `text` on added tokens as HF's AddedVocabulary does: tokens with normalized=false are
 * found in the raw text, the others in the normalized remainder. Strings in the result are
 * normalized text; numbers are the ids of added tokens.
 */
export function splitAddedTokens(text: string, added: readonly AddedTokenJson[], normalize: (text: string) => string): (string | number)[] {
  let pair = matchers.get(added);
  if (!pair) matchers.set(added, (pair = [matcher(added.filter((t) => !t.normalized)), matcher(added.filter((t) => t.normalized))]));
  const [raw, normalized] = pair;
  const out: (string | number)[] = [];
  split(text, raw, out, (part) =>
    split(normalize(part), normalized, out, (rest) => {
      if (rest.length > 0) out.push(rest);
    }),
  );
  return out;
}

/** Special ids before and after a single sequence, from the post-processor. */
export function templateOf(json: TokenizerJson): { prefixIds: number[]; suffixIds: number[] } {
  const post = json.post_processor;
  if (!post) return { prefixIds: [], suffixIds: [] };
  switch (post.type) {
    case 'TemplateProcessing': {
      type Piece = { SpecialToken?: { id: string }; Sequence?: { id: string } };
      const single = post.single as Piece[];
      const specials = post.special_tokens as Record<string, { ids: number[] }>;
      const at = single.findIndex((p) => p.Sequence);
      const ids = (pieces: Piece[]) => pieces.flatMap((p) => specials[p.SpecialToken!.id]!.ids);
      return { prefixIds: ids(single.slice(0, at)), suffixIds: ids(single.slice(at + 1)) };
    }
    case 'RobertaProcessing':
    case 'BertProcessing': {
      const [, cls] = post.cls as [string, number];
      const [, sep] = post.sep as [string, number];
      return { prefixIds: [cls], suffixIds: [sep] };
    }
    default:
      throw new Error(`unsupported post_processor ${post.type} in tokenizer.json`);
  }
}
