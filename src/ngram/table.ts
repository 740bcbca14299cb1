// The n-grams of one order, stored as integer pairs instead of strings: an n-gram w1..wn is
// the pair (index of its suffix w2..wn in the order below, id of w1), and its own index is its
// position in insertion order. Growing from the right this way ("reversed trie", as KenLM's
// contexts are), the contexts of a query and the n-grams ending in the predicted word are
// each found by one lookup per extra word of history.
//
// Open addressing with linear probing over a power-of-two slot array, at most half full;
// parallel typed arrays, so a few million n-grams take tens of megabytes, not gigabytes.

const EMPTY = -1;

function hash(suffix: number, first: number): number {
  let h = Math.imul(suffix ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(first + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

export class NgramTable {
  /** Number of n-grams stored (indices 0 .. size-1). */
  size = 0;
  /** Index of each n-gram's suffix in the order below (-1 for unigrams). */
  suffix: Int32Array;
  /** Id of each n-gram's first word. */
  first: Int32Array;
  private slots: Int32Array;
  private mask: number;

  constructor(capacity = 16) {
    const cap = Math.max(16, capacity);
    this.suffix = new Int32Array(cap);
    this.first = new Int32Array(cap);
    let slots = 32;
    while (slots < cap * 2) slots *= 2;
    this.slots = new Int32Array(slots).fill(EMPTY);
    this.mask = slots - 1;
  }

  /** Index of the n-gram (suffix, first), or -1. */
  find(suffix: number, first: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = hash(suffix, first) & mask; ; s = (s + 1) & mask) {
      const i = slots[s];
      if (i === EMPTY) return -1;
      if (this.first[i] === first && this.suffix[i] === suffix) return i;
    }
  }

  /** Index of the n-gram (suffix, first), inserting it at the end if absent. */
  intern(suffix: number, first: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let s = hash(suffix, first) & mask;
    for (; ; s = (s + 1) & mask) {
      const i = slots[s];
      if (i === EMPTY) break;
      if (this.first[i] === first && this.suffix[i] === suffix) return i;
    }
    const i = this.size++;
    if (i === this.first.length) this.growEntries();
    this.suffix[i] = suffix;
    this.first[i] = first;
    slots[s] = i;
    if (this.size * 2 > slots.length) this.rehash();
    return i;
  }

  /** Doubles the entry arrays (the slots are sized separately, by rehash). */
  private growEntries(): void {
    const cap = this.first.length * 2;
    const suffix = new Int32Array(cap);
    suffix.set(this.suffix);
    const first = new Int32Array(cap);
    first.set(this.first);
    this.suffix = suffix;
    this.first = first;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    for (let i = 0; i < this.size; i++) {
      let s = hash(this.suffix[i], this.first[i]) & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = i;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** A Float64Array of `n` entries holding `a`'s first entries (grow-by-copy for parallel arrays). */
export function resized(a: Float64Array, n: number): Float64Array {
  if (a.length >= n) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
