// A set of strings with a number per string, held as 64-bit hashes in typed arrays. Validating a
// large import must remember every (id, language) seen; as a Map of strings that is ~100 bytes a
// record kept until V8's next full collection, so imports run back to back piled up hundreds of
// MB of garbage (six 76 MB imports: +178 MB, bench/import-memory.ts). Here a slot costs 13 bytes
// in four typed arrays, with at most two slots a key. Two strings are taken as equal when their 64-bit hashes are: with n keys the chance of
// any false match is about n^2 / 2^65 (10^-8 for a million keys), far below any other failure.

export interface KeyTable {
  /** The number stored for `key`, or undefined. */
  get(key: string): number | undefined;
  /** Stores `value` (an integer in [0, 2^32)) for `key`. */
  set(key: string, value: number): void;
  readonly size: number;
}

/** cyrb53's two 32-bit lanes (a public-domain string hash with good mixing), both kept. */
function hash64(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

export function createKeyTable(initialCapacity = 1024): KeyTable {
  let capacity = 1;
  while (capacity < initialCapacity * 2) capacity *= 2;
  // Slot i is empty while used[i] is 0; open addressing with linear probing, at most half full.
  let low = new Uint32Array(capacity);
  let high = new Uint32Array(capacity);
  let values = new Uint32Array(capacity);
  let used = new Uint8Array(capacity);
  let size = 0;

  const slotOf = (lo: number, hi: number): number => {
    const mask = capacity - 1;
    let i = lo & mask;
    while (used[i] && (low[i] !== lo || high[i] !== hi)) i = (i + 1) & mask;
    return i;
  };

  const grow = () => {
    const [oldLow, oldHigh, oldValues, oldUsed] = [low, high, values, used];
    capacity *= 2;
    low = new Uint32Array(capacity);
    high = new Uint32Array(capacity);
    values = new Uint32Array(capacity);
    used = new Uint8Array(capacity);
    for (let i = 0; i < oldUsed.length; i++) {
      if (!oldUsed[i]) continue;
      const slot = slotOf(oldLow[i]!, oldHigh[i]!);
      low[slot] = oldLow[i]!;
      high[slot] = oldHigh[i]!;
      values[slot] = oldValues[i]!;
      used[slot] = 1;
    }
  };

  return {
    get(key) {
      const [lo, hi] = hash64(key);
      const slot = slotOf(lo, hi);
      return used[slot] ? values[slot] : undefined;
    },
    set(key, value) {
      const [lo, hi] = hash64(key);
      let slot = slotOf(lo, hi);
      if (!used[slot]) {
        if ((size + 1) * 2 > capacity) {
          grow();
          slot = slotOf(lo, hi);
        }
        used[slot] = 1;
        low[slot] = lo;
        high[slot] = hi;
        size++;
      }
      values[slot] = value >>> 0;
    },
    get size() {
      return size;
    },
  };
}
