// Sentence splitting for QA files that come without sentence breaks, so that a question can be
// paired with the sentence holding its answer (as XQuAD-R and MLQA-R do). One splitter for every
// script here: CJK, Devanagari, Arabic and Urdu sentence marks end a sentence wherever they are;
// Latin . ! ? only before whitespace and not before a lowercase letter or after an abbreviation;
// Thai, which marks no sentence end, falls back to whitespace-separated chunks.

export interface Span {
  /** UTF-16 offsets into the text, [start, end), without surrounding whitespace. */
  start: number;
  end: number;
}

const MARKS = new Set(['。', '！', '？', '｡', '।', '॥', '؟', '۔', '።']);
const LATIN = new Set(['.', '!', '?', '…']);
const CLOSERS = new Set(['"', "'", '”', '’', '»', '›', ')', ']', '}', '」', '』', '）', '】', '》', '〉']);
const OPENERS = /^["'“‘«‹(\[{「『（【《〈]+/u;
const ABBREVIATIONS = new Set(
  ('mr mrs ms dr prof st jr sr vs etc inc ltd co corp no nr gen col lt sgt capt rev fig approx ca bzw usw vgl ggf ' +
    'sig sra dott ecc pag pág av dra gov sen rep mt ft jan feb mar apr jun jul aug sep sept oct nov dec ee uu').split(' '),
);
const SPACE = /\s/u;
const LOWER = /\p{Ll}/u;
const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const THAI = /[\u0E01-\u0E5B]/u;
/**
 * Thai chunks shorter than this (UTF-16 units) are merged into the next: Thai puts spaces between
 * clauses and around numbers and foreign words, too. On XQuAD-R th (whose gold sentences all start
 * after a space and average 207 units), 60 gives chunks of 84 units on average and keeps 95% of
 * answers whole inside their chunk (20: 43 units, 87%; 120: 150 units, 96%).
 */
export const MIN_THAI_CHUNK = 60;

/** "Dr.", "U.S.", "J.", "1." (German ordinals): a period that ends a word, not a sentence. */
function isAbbreviation(text: string, period: number): boolean {
  let from = period;
  while (from > 0 && !SPACE.test(text[from - 1]!)) from--;
  const token = text.slice(from, period).replace(OPENERS, '');
  if (token === '') return false;
  if (token.includes('.') || /^\p{Lu}$/u.test(token) || /^\d{1,2}$/.test(token)) return true;
  return ABBREVIATIONS.has(token.toLowerCase());
}

/** Where the sentence ending at the terminator `i` ends (after closing quotes), or -1 if it does not. */
function sentenceEnd(text: string, i: number): number {
  const mark = text[i]!;
  let end = i + 1;
  while (end < text.length && (MARKS.has(text[end]!) || LATIN.has(text[end]!) || CLOSERS.has(text[end]!))) end++;
  if (MARKS.has(mark)) return end;
  const next = text[end];
  if (next !== undefined && !SPACE.test(next)) return (mark === '!' || mark === '?') && NO_SPACE_SCRIPT.test(next) ? end : -1;
  let j = end;
  while (j < text.length && SPACE.test(text[j]!)) j++;
  if (j < text.length && LOWER.test(text[j]!)) return -1;
  if (mark === '.' && text[i + 1] !== '.' && isAbbreviation(text, i)) return -1;
  return end;
}

function trimmed(text: string, start: number, end: number): Span | undefined {
  while (start < end && SPACE.test(text[start]!)) start++;
  while (end > start && SPACE.test(text[end - 1]!)) end--;
  return start < end ? { start, end } : undefined;
}

/** Whitespace-separated chunks of a Thai span, short ones merged into the next. */
function thaiChunks(text: string, span: Span, min: number): Span[] {
  const chunks: Span[] = [];
  let start = span.start;
  const gap = /\s+/gu;
  gap.lastIndex = span.start;
  for (let m = gap.exec(text); m && m.index < span.end; m = gap.exec(text)) {
    if (m.index - start >= min) {
      chunks.push({ start, end: m.index });
      start = m.index + m[0].length;
    }
  }
  const last = chunks[chunks.length - 1];
  // A short tail joins the chunk before it rather than standing alone.
  if (last && span.end - start < min) last.end = span.end;
  else chunks.push({ start, end: span.end });
  return chunks;
}

export function splitSentences(text: string, minThaiChunk = MIN_THAI_CHUNK): Span[] {
  const spans: Span[] = [];
  let start = 0;
  const cut = (end: number) => {
    const span = trimmed(text, start, end);
    if (span) spans.push(...(THAI.test(text.slice(span.start, span.end)) ? thaiChunks(text, span, minThaiChunk) : [span]));
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      cut(i);
      continue;
    }
    if (!MARKS.has(ch) && !LATIN.has(ch)) continue;
    const end = sentenceEnd(text, i);
    if (end >= 0) {
      cut(end);
      i = end - 1;
    }
  }
  cut(text.length);
  return spans;
}

/** The span holding offset; an offset in the whitespace between two spans belongs to the next. */
export function spanAt(spans: readonly Span[], offset: number): Span | undefined {
  return spans.find((s) => offset < s.end);
}

/**
 * The UTF-16 offset of an answer in its context. Files disagree on units (Python code points in
 * some, UTF-16 in others) and a few are off by some characters, so the answer text found nearest
 * to answer_start wins; answer_start alone is the fallback.
 */
export function locateAnswer(context: string, answerStart: number, answerText: string): number | undefined {
  if (answerText === '') return undefined;
  if (context.startsWith(answerText, answerStart)) return answerStart;
  let best: number | undefined;
  for (let at = context.indexOf(answerText); at >= 0; at = context.indexOf(answerText, at + 1)) {
    if (best === undefined || Math.abs(at - answerStart) < Math.abs(best - answerStart)) best = at;
  }
  if (best !== undefined) return best;
  return answerStart >= 0 && answerStart < context.length ? answerStart : undefined;
}
