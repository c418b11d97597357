// The per-question values behind a report's headlines, stored with the report (gzipped float32,
// NaN where a question has no query in a group) so that two reports on the same suite and
// subsample can be compared question by question later (paired bootstrap, seed averaging)
// without evaluating again. Layout: u32 header length, header JSON { units, tables: [[headline,
// groups], ...] }, then each table's groups x units values in order.

import { gunzipSync, gzipSync } from 'node:zlib';
import type { MacroTable } from './stats.js';

/** What experiment reports compare: mAP and recall in every setting, and the rank distance. */
export const STORED_HEADLINES = [
  'mono.map', 'cross.map', 'multi.map',
  'mono.recall1', 'cross.recall1', 'multi.recall1',
  'mono.recall10', 'cross.recall10', 'multi.recall10',
  'multi.rankDistance',
] as const;

export function encodeUnitTables(tables: ReadonlyMap<string, MacroTable>): Uint8Array<ArrayBuffer> {
  const entries = [...tables];
  const units = entries[0]?.[1].units ?? 0;
  const header = new TextEncoder().encode(JSON.stringify({ units, tables: entries.map(([name, t]) => [name, t.groups.length]) }));
  const count = entries.reduce((n, [, t]) => n + t.groups.length * units, 0);
  const values = new Float32Array(count);
  let at = 0;
  for (const [name, table] of entries) {
    if (table.units !== units) throw new RangeError(`table ${name} has ${table.units} units, the others ${units}`);
    for (const group of table.groups) {
      values.set(group, at);
      at += units;
    }
  }
  const raw = new Uint8Array(4 + header.length + values.byteLength);
  new DataView(raw.buffer).setUint32(0, header.length, true);
  raw.set(header, 4);
  raw.set(new Uint8Array(values.buffer), 4 + header.length);
  return new Uint8Array(gzipSync(raw));
}

export function decodeUnitTables(bytes: Uint8Array): Map<string, MacroTable> {
  const raw = gunzipSync(bytes);
  const headerLength = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(raw.subarray(4, 4 + headerLength))) as { units: number; tables: Array<[string, number]> };
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset + 4 + headerLength, raw.byteOffset + raw.byteLength));
  const out = new Map<string, MacroTable>();
  let at = 0;
  for (const [name, groups] of header.tables) {
    const table: MacroTable = { units: header.units, groups: [] };
    for (let g = 0; g < groups; g++, at += header.units) table.groups.push(Float64Array.from(values.subarray(at, at + header.units)));
    out.set(name, table);
  }
  return out;
}

/** Per unit and group, the mean over tables (seeds of one arm); NaN stays NaN. All tables must share units and groups. */
export function averageTables(tables: readonly MacroTable[]): MacroTable {
  const first = tables[0];
  if (!first) throw new RangeError('no tables to average');
  const groups = first.groups.map((g, i) => {
    const out = new Float64Array(g.length);
    for (const t of tables) {
      if (t.units !== first.units || t.groups.length !== first.groups.length) throw new RangeError('tables of different shapes');
      const other = t.groups[i]!;
      for (let u = 0; u < out.length; u++) out[u]! += other[u]!;
    }
    for (let u = 0; u < out.length; u++) out[u]! /= tables.length;
    return out;
  });
  return { units: first.units, groups };
}
