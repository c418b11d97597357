// The import format for user datasets, shared by the gateway (validates an upload) and the worker
// (trains on it). Pure: no I/O.
//
// Format: UTF-8 JSON Lines, one record per line; blank lines are ignored.
//   {"id": "q17", "language": "de", "query": "Wo liegt Paris?", "passage": "Paris liegt in Frankreich.", "hard_negative": "Lyon liegt in Frankreich."}
// - id: non-empty string (at most 200 characters). Records with the same id are the same item in
//   different languages (translations): they form one parallel group, which is what
//   cross-lingual batches are drawn from. An id present in one language only still serves
//   monolingual batches.
// - language: ISO 639-1 code, lowercase ("de", "zh").
// - query, passage: non-empty strings; the passage is the query's positive.
// - hard_negative (optional): a non-empty string, a passage that looks relevant but is not; null
//   means absent.
// - No other fields; (id, language) must be unique in the file.
// Errors name the 1-based line and the field ("record" when the whole line is at fault; line 0
// when the file holds no record). At most JSONL_MAX_ERRORS are reported. Messages never quote the
// line (the gateway reports them for files it must not disclose); `value` carries what was wrong.

import { createKeyTable } from './key-table.js';

export interface JsonlRecord {
  id: string;
  language: string;
  query: string;
  passage: string;
  hardNegative?: string;
}

export interface JsonlError {
  line: number;
  field: string;
  value: unknown;
  message: string;
}

export type JsonlParseResult = { records: JsonlRecord[] } | { errors: JsonlError[] };

export const JSONL_MAX_ERRORS = 100;
export const JSONL_FIELDS = ['id', 'language', 'query', 'passage', 'hard_negative'] as const;
const MAX_ID_LENGTH = 200;

const ISO_639_1 = new Set(
  ('aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et ' +
    'eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl ' +
    'km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj ' +
    'om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to ' +
    'tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu').split(' '),
);

export function isIso6391(code: string): boolean {
  return ISO_639_1.has(code);
}

/** Long values are cut in error reports: the gateway echoes them back. */
function shown(value: unknown): unknown {
  return typeof value === 'string' && value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

export interface JsonlValidator {
  /** Checks one line (1-based number); the record, or undefined for a blank or invalid line. */
  line(raw: string, line: number): JsonlRecord | undefined;
  /** Errors so far, at most JSONL_MAX_ERRORS. */
  readonly errors: readonly JsonlError[];
  /** JSONL_MAX_ERRORS reached: further lines change nothing. */
  readonly full: boolean;
  /** Valid records so far. */
  readonly records: number;
}

/**
 * Line-by-line validation for callers that stream a file: it keeps only the (id, language) pairs
 * seen (the one check across lines), not the records.
 */
export function createJsonlValidator(): JsonlValidator {
  const errors: JsonlError[] = [];
  // 64-bit hashes, not the strings: a million-record import must not leave ~100 MB of garbage behind.
  const seen = createKeyTable();
  let records = 0;
  const fail = (line: number, field: string, value: unknown, message: string) => {
    if (errors.length < JSONL_MAX_ERRORS) errors.push({ line, field, value: shown(value), message });
  };
  const check = (raw: string, line: number): JsonlRecord | undefined => {
    if (line === 1) raw = raw.replace(/^\uFEFF/, '');
    if (raw.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      fail(line, 'record', raw, jsonProblem(err));
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(line, 'record', value, 'must be a JSON object');
      return undefined;
    }
    const obj = value as Record<string, unknown>;
    const before = errors.length;
    for (const key of Object.keys(obj)) {
      if (!(JSONL_FIELDS as readonly string[]).includes(key)) fail(line, key, obj[key], `unknown field; allowed: ${JSONL_FIELDS.join(', ')}`);
    }
    const { id, language, query, passage } = obj;
    const hardNegative = obj.hard_negative ?? undefined;
    if (!nonEmpty(id)) fail(line, 'id', id, 'must be a non-empty string');
    else if (id.length > MAX_ID_LENGTH) fail(line, 'id', id, `must be at most ${MAX_ID_LENGTH} characters`);
    if (typeof language !== 'string' || !ISO_639_1.has(language)) fail(line, 'language', language, 'must be a lowercase ISO 639-1 code such as "en" or "zh"');
    if (!nonEmpty(query)) fail(line, 'query', query, 'must be a non-empty string');
    if (!nonEmpty(passage)) fail(line, 'passage', passage, 'must be a non-empty string');
    if (hardNegative !== undefined && !nonEmpty(hardNegative)) fail(line, 'hard_negative', hardNegative, 'must be a non-empty string when present');
    if (errors.length > before) return undefined;
    const key = JSON.stringify([id, language]);
    const first = seen.get(key);
    if (first !== undefined) {
      // The message leaves the id out: the gateway reports it without quoting the file.
      fail(line, 'id', id, `duplicate: line ${first} has the same id and language`);
      return undefined;
    }
    seen.set(key, line);
    records++;
    const record: JsonlRecord = { id: id as string, language: language as string, query: query as string, passage: passage as string };
    if (hardNegative !== undefined) record.hardNegative = hardNegative as string;
    return record;
  };
  return {
    line(raw, line) {
      return errors.length >= JSONL_MAX_ERRORS ? undefined : check(raw, line);
    },
    get errors() {
      return errors;
    },
    get full() {
      return errors.length >= JSONL_MAX_ERRORS;
    },
    get records() {
      return records;
    },
  };
}

/** The error when a validated file had no error and no record. */
export const NO_RECORDS: JsonlError = { line: 0, field: 'record', value: null, message: 'the file holds no records' };

/** JSON.parse's message quotes the line; only the position is kept. */
function jsonProblem(error: unknown): string {
  const position = /at position (\d+)/.exec(String((error as Error)?.message))?.[1];
  return position === undefined ? 'not valid JSON' : `not valid JSON (at character ${Number(position) + 1})`;
}

export function parseDatasetJsonl(text: string): JsonlParseResult {
  const validator = createJsonlValidator();
  const records: JsonlRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && !validator.full; i++) {
    const record = validator.line(lines[i]!, i + 1);
    if (record) records.push(record);
  }
  if (validator.errors.length > 0) return { errors: [...validator.errors] };
  if (records.length === 0) return { errors: [{ ...NO_RECORDS }] };
  return { records };
}
