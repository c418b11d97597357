import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageTables, decodeUnitTables, encodeUnitTables } from './unit-tables.js';
import { bootstrapInterval, macroMean } from './stats.js';

const table = (groups: number[][]) => ({ units: groups[0]!.length, groups: groups.map((g) => Float64Array.from(g)) });

test('unit tables survive encoding, NaN included, in float32 precision', () => {
  const tables = new Map([
    ['mono.map', table([[0.5, 1, NaN], [0.25, 0.125, 0.75]])],
    ['multi.rankDistance', table([[10, 200.5, 3]])],
  ]);
  const decoded = decodeUnitTables(encodeUnitTables(tables));
  assert.deepEqual([...decoded.keys()], ['mono.map', 'multi.rankDistance']);
  assert.deepEqual(decoded.get('mono.map')!.groups.map((g) => [...g]), [[0.5, 1, NaN], [0.25, 0.125, 0.75]]);
  assert.equal(decoded.get('multi.rankDistance')!.units, 3);
  assert.equal(macroMean(decoded.get('mono.map')!), macroMean(tables.get('mono.map')!));
  assert.deepEqual(bootstrapInterval(decoded.get('mono.map')!, { B: 50 }), bootstrapInterval(tables.get('mono.map')!, { B: 50 }));
});

test('averageTables takes the mean per question and group; shapes must agree', () => {
  const mean = averageTables([table([[0, 1, NaN]]), table([[1, 0, NaN]])]);
  assert.deepEqual([...mean.groups[0]!], [0.5, 0.5, NaN]);
  assert.throws(() => averageTables([table([[0, 1]]), table([[0, 1, 2]])]), /different shapes/);
  assert.throws(() => averageTables([]), /no tables/);
});
