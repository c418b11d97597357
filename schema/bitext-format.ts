// Bitext sets (issue 16, point 4): the two file layouts users and standard sets come in, shared by
// the gateway (validates an import) and the worker (evaluates it). Pure: no I/O.
//
// id-paired (BUCC 2018 style): one file per language, "<id>\t<sentence>" per line, ids unique in
// their file; a gold file "<id of a>\t<id of b>" per line names the translations. Sentences without
// a gold partner stay as distractors: mining searches every sentence of the other side.
// line-parallel (Tatoeba / FLORES style): two files of the same number of lines, line i of one the
// translation of line i of the other.
// Blank lines are ignored in id-paired files and refused in line-parallel ones (they would shift the
// pairing). Errors name the file, the 1-based line and what was wrong, never quoting the file; at
// most BITEXT_MAX_ERRORS.

export interface BitextSide {
  language: string;
  ids: string[];
  texts: string[];
}

export interface BitextSet {
  a: BitextSide;
  b: BitextSide;
  /** (index in a, index in b) of each translation pair. */
  gold: Array<[number, number]>;
}

export interface BitextError {
  file: 'a' | 'b' | 'gold';
  line: number;
  message: string;
}

export type BitextParseResult = { set: BitextSet } | { errors: BitextError[] };

export const BITEXT_MAX_ERRORS = 100;

const linesOf = (text: string) => text.replace(/^\uFEFF/, '').split(/\r?\n/);

function idPairedSide(file: 'a' | 'b', language: string, text: string, errors: BitextError[]): { side: BitextSide; index: Map<string, number> } {
  const side: BitextSide = { language, ids: [], texts: [] };
  const index = new Map<string, number>();
  const lineOf = new Map<string, number>();
  linesOf(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const tab = line.indexOf('\t');
    const id = tab < 0 ? '' : line.slice(0, tab).trim();
    const sentence = tab < 0 ? '' : line.slice(tab + 1).trim();
    if (id === '' || sentence === '') return void errors.push({ file, line: i + 1, message: 'expected "<id>\\t<sentence>"' });
    if (index.has(id)) return void errors.push({ file, line: i + 1, message: `repeats the id of line ${lineOf.get(id)}` });
    index.set(id, side.ids.length);
    lineOf.set(id, i + 1);
    side.ids.push(id);
    side.texts.push(sentence);
  });
  return { side, index };
}

export function parseIdPaired(languages: readonly [string, string], aText: string, bText: string, goldText: string): BitextParseResult {
  const errors: BitextError[] = [];
  const a = idPairedSide('a', languages[0], aText, errors);
  const b = idPairedSide('b', languages[1], bText, errors);
  const gold: Array<[number, number]> = [];
  const paired = new Set<string>();
  linesOf(goldText).forEach((line, i) => {
    if (line.trim() === '') return;
    const [idA, idB, ...rest] = line.split('\t').map((cell) => cell.trim());
    if (!idA || !idB || rest.length > 0) return void errors.push({ file: 'gold', line: i + 1, message: 'expected "<id of a>\\t<id of b>"' });
    const ia = a.index.get(idA);
    const ib = b.index.get(idB);
    if (ia === undefined) return void errors.push({ file: 'gold', line: i + 1, message: `its first id is not in the ${languages[0]} file` });
    if (ib === undefined) return void errors.push({ file: 'gold', line: i + 1, message: `its second id is not in the ${languages[1]} file` });
    const key = `${ia}\t${ib}`;
    if (paired.has(key)) return void errors.push({ file: 'gold', line: i + 1, message: 'repeats an earlier pair' });
    paired.add(key);
    gold.push([ia, ib]);
  });
  if (gold.length === 0 && errors.length === 0) errors.push({ file: 'gold', line: 0, message: 'names no pair' });
  return errors.length > 0 ? { errors: errors.slice(0, BITEXT_MAX_ERRORS) } : { set: { a: a.side, b: b.side, gold } };
}

export function parseLineParallel(languages: readonly [string, string], aText: string, bText: string): BitextParseResult {
  const errors: BitextError[] = [];
  const read = (file: 'a' | 'b', text: string) => {
    const lines = linesOf(text);
    if (lines.at(-1) === '') lines.pop(); // the final line break
    lines.forEach((line, i) => {
      if (line.trim() === '') errors.push({ file, line: i + 1, message: 'is blank: every line is a sentence, paired by its number' });
    });
    return lines.map((line) => line.trim());
  };
  const a = read('a', aText);
  const b = read('b', bText);
  if (a.length !== b.length) errors.push({ file: 'b', line: Math.min(a.length, b.length) + 1, message: `${b.length} lines where the ${languages[0]} file has ${a.length}` });
  if (a.length === 0 && errors.length === 0) errors.push({ file: 'a', line: 0, message: 'holds no line' });
  if (errors.length > 0) return { errors: errors.slice(0, BITEXT_MAX_ERRORS) };
  const ids = a.map((_, i) => String(i + 1));
  return { set: { a: { language: languages[0], ids, texts: a }, b: { language: languages[1], ids: [...ids], texts: b }, gold: a.map((_, i) => [i, i]) } };
}
