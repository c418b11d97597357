// A deliberately small query-language guess from the Unicode script of the letters: scripts used
// by one language map to it; Latin (and anything unrecognised) falls back to English, since the
// script alone cannot tell en from de, es, vi or tr.

const SCRIPTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\p{Script=Hiragana}|\p{Script=Katakana}/u, 'ja'],
  [/\p{Script=Hangul}/u, 'ko'],
  [/\p{Script=Han}/u, 'zh'],
  [/\p{Script=Thai}/u, 'th'],
  [/\p{Script=Arabic}/u, 'ar'],
  [/\p{Script=Devanagari}/u, 'hi'],
  [/\p{Script=Cyrillic}/u, 'ru'],
  [/\p{Script=Greek}/u, 'el'],
  [/\p{Script=Hebrew}/u, 'he'],
];

export const FALLBACK_LANGUAGE = 'en';

/** The language of the script most letters of `text` are written in; 'en' for Latin or none. */
export function detectLanguage(text: string): string {
  const counts = new Map<string, number>();
  for (const char of text) {
    if (!/\p{L}/u.test(char)) continue;
    // Kana wins over Han for Japanese text, which mixes both.
    const match = SCRIPTS.find(([pattern]) => pattern.test(char));
    const language = match ? match[1] : FALLBACK_LANGUAGE;
    counts.set(language, (counts.get(language) ?? 0) + 1);
  }
  if ((counts.get('ja') ?? 0) > 0) return 'ja';
  let best = FALLBACK_LANGUAGE;
  let bestCount = 0;
  for (const [language, count] of counts) {
    if (count > bestCount) [best, bestCount] = [language, count];
  }
  return best;
}
