// Query language identification on the workers (the gateway loads no model). ELD (Nito-ELD,
// Apache-2.0: byte n-gram scores over 60 languages) decides when it calls its own answer reliable;
// otherwise franc (MIT, trigram profiles of 400+ languages) chooses among the languages of the
// data folder, which covers what ELD lacks (Swahili; Indonesian, which ELD reads as Malay) and
// short, ambiguous queries. Measured on NTREX-128, 30 languages: at least 98.5% per language for
// sentences of 20+ characters (bench/results.md, *Query language identification*). Single words
// stay ambiguous (ELD reads "bread" as Spanish); give queryLanguage when it matters.
//
// ELD's smallest model (+83 MiB, 0.15 s) is loaded at the first query, so a worker that serves
// none never pays for it.

/** ISO 639-1 -> the ISO 639-3 code franc uses, for every language of the data folder. */
const FRANC_CODES: Readonly<Record<string, string>> = {
  ar: 'arb', bn: 'ben', bg: 'bul', cs: 'ces', de: 'deu', el: 'ell', en: 'eng', es: 'spa', fa: 'pes', fi: 'fin',
  fr: 'fra', he: 'heb', hi: 'hin', id: 'ind', it: 'ita', ja: 'jpn', ko: 'kor', nl: 'nld', pl: 'pol', pt: 'por',
  ro: 'ron', ru: 'rus', sw: 'swh', te: 'tel', th: 'tha', tr: 'tur', uk: 'ukr', ur: 'urd', vi: 'vie', zh: 'cmn',
};
const FROM_FRANC = new Map(Object.entries(FRANC_CODES).map(([iso1, iso3]) => [iso3, iso1]));
const FRANC_ONLY = Object.values(FRANC_CODES);
/** ELD's usual answers for the data folder's languages it does not model: Indonesian (Malay) and Swahili (Tagalog, Malay). */
const SECOND_OPINION = new Set(['ms', 'tl']);

export const FALLBACK_LANGUAGE = 'en';

export interface LanguageIdentifier {
  /** ISO 639-1 code of the text's language; FALLBACK_LANGUAGE when nothing can be told. */
  identify(text: string): Promise<string>;
}

interface Engines {
  eld: { detect(text: string): { language: string; isReliable(): boolean }; setLanguageSubset(languages: string[]): unknown };
  franc: (text: string, options: { only: string[]; minLength: number }) => string;
}

export function createLanguageIdentifier(): LanguageIdentifier {
  let loading: Promise<Engines> | undefined;
  const engines = () =>
    (loading ??= Promise.all([import('eld/extrasmall'), import('franc')]).then(([{ eld }, { franc }]) => {
      // Only the data folder's languages (and the stand-ins below): a Cyrillic word is then Russian,
      // Ukrainian or Bulgarian, never Serbian (99.0% at worst per language instead of 98.5%).
      eld.setLanguageSubset([...Object.keys(FRANC_CODES), ...SECOND_OPINION]);
      return { eld, franc };
    }));
  return {
    async identify(text) {
      const { eld, franc } = await engines();
      const result = eld.detect(text);
      if (result.isReliable() && result.language !== '' && !SECOND_OPINION.has(result.language)) return result.language;
      const guessed = FROM_FRANC.get(franc(text, { only: FRANC_ONLY, minLength: 3 }));
      return guessed ?? (result.language === 'ms' ? 'id' : result.language || FALLBACK_LANGUAGE);
    },
  };
}
