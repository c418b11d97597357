// Output arrays of the native kernels, reused once the tensor that held one is disposed. A fresh
// Float32Array of a few MiB costs more than the arithmetic that fills it (V8 zero-fills new
// pages: 0.16 ms for 2 MiB against 0.04 ms for a multiply over it), and a training step makes
// hundreds of them. An array is reused only while this pool can prove that nothing else sees it:
// it was handed to exactly one tensor, never read out (dataSync returns the backend's own array),
// and no view of its buffer was given to another tensor.

export class OutputPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Arrays handed out by take(): false until a tensor holds it, true while exactly one does. */
  private readonly owned = new WeakMap<ArrayBufferLike, { array: Float32Array; held: boolean }>();
  private freeBytes = 0;

  /** @param maxFreeBytes how much disposed memory to keep for reuse; beyond it arrays go to the GC. */
  constructor(private readonly maxFreeBytes: number) {}

  /** An array of `length` floats with arbitrary contents (zeroed when new). */
  take(length: number): Float32Array {
    const reused = this.free.get(length)?.pop();
    if (reused) this.freeBytes -= reused.byteLength;
    const array = reused ?? new Float32Array(length);
    this.owned.set(array.buffer, { array, held: false });
    return array;
  }

  /** A tensor now holds `values`: the first holder of a taken array keeps it reusable; anything else does not. */
  held(values: unknown): void {
    const entry = this.ownerOf(values);
    if (!entry) return;
    if (entry.array === values && !entry.held) entry.held = true;
    else this.owned.delete(entry.array.buffer);
  }

  /** `values` left the backend (read out, or moved): never reused. */
  escaped(values: unknown): void {
    const entry = this.ownerOf(values);
    if (entry) this.owned.delete(entry.array.buffer);
  }

  /** The tensor holding `values` is gone: its array is free for the next take() of its length. */
  released(values: unknown): void {
    const entry = this.ownerOf(values);
    if (!entry || entry.array !== values || !entry.held) return;
    if (this.freeBytes + entry.array.byteLength > this.maxFreeBytes) {
      this.owned.delete(entry.array.buffer);
      return;
    }
    entry.held = false;
    const list = this.free.get(entry.array.length) ?? [];
    list.push(entry.array);
    this.free.set(entry.array.length, list);
    this.freeBytes += entry.array.byteLength;
  }

  get bytesFree(): number {
    return this.freeBytes;
  }

  private ownerOf(values: unknown) {
    return ArrayBuffer.isView(values) ? this.owned.get(values.buffer) : undefined;
  }
}
