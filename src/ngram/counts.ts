// Counting the n-grams of a token stream, every order up to N, in N passes over the text.
//
// The stream is cut into ARPA sentences (see vocab.ts): `<s>` is put at the start and after
// every `</s>`, and no n-gram crosses a sentence end (`</s>` may only be an n-gram's last
// word, `<s>` only its first). Pass n finds each position's n-gram as the pair (index of the
// (n−1)-gram starting one position later, word at the position) — one hash lookup per
// position, no strings.
import { NgramTable } from './table.ts';
import type { NgramVocab } from './vocab.ts';

export interface NgramCounts {
  order: number;
  /** tables[n] for 2 ≤ n ≤ order; unigram index = word id. */
  tables: NgramTable[];
  /** raw[n][i]: how often n-gram i of order n occurs (raw[1] by word id; `<s>` counts sentence starts). */
  raw: Int32Array[];
  /** prefix[n][i]: index in order n−1 of n-gram i's first n−1 words (its context), n ≥ 2. */
  prefix: Int32Array[];
}

function grown(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** The stream with `<s>` inserted at the start and after each `</s>` that is not the last token. */
export function sentences(ids: ArrayLike<number>, vocab: NgramVocab): Int32Array {
  let ends = 0;
  for (let i = 0; i + 1 < ids.length; i++) if (ids[i] === vocab.eos) ends++;
  const out = new Int32Array(ids.length + 1 + ends);
  let k = 0;
  out[k++] = vocab.bos;
  for (let i = 0; i < ids.length; i++) {
    out[k++] = ids[i];
    if (ids[i] === vocab.eos && i + 1 < ids.length) out[k++] = vocab.bos;
  }
  return out;
}

/** Counts of every n-gram of orders 1..order in `ids` (model ids, no `<s>`, no negative ids). */
export function countNgrams(ids: ArrayLike<number>, vocab: NgramVocab, order: number): NgramCounts {
  const s = sentences(ids, vocab);
  const len = s.length;
  // Longest n-gram starting at each position that stays inside its sentence (capped at order).
  const maxLen = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) maxLen[i] = s[i] === vocab.eos || i === len - 1 ? 1 : Math.min(order, maxLen[i + 1] + 1);
  const raw: Int32Array[] = [new Int32Array(0), new Int32Array(vocab.size)];
  const prefix: Int32Array[] = [new Int32Array(0), new Int32Array(0)];
  const tables: NgramTable[] = [new NgramTable(), new NgramTable()];
  for (let i = 0; i < len; i++) raw[1][s[i]]++;
  let prev = Int32Array.from(s); // index of the (n−1)-gram at each position
  let cur = new Int32Array(len);
  for (let n = 2; n <= order; n++) {
    const table = new NgramTable(1 << 12);
    let counts = new Int32Array(1 << 12);
    let pre = new Int32Array(1 << 12);
    cur.fill(-1);
    for (let i = 0; i + n <= len; i++) {
      if (maxLen[i] < n) continue;
      const before = table.size;
      const j = table.intern(prev[i + 1], s[i]);
      if (j === before) {
        counts = grown(counts, j + 1);
        pre = grown(pre, j + 1);
        pre[j] = prev[i];
      }
      counts[j]++;
      cur[i] = j;
    }
    tables.push(table);
    raw.push(counts.slice(0, table.size));
    prefix.push(pre.slice(0, table.size));
    [prev, cur] = [cur, prev];
  }
  return { order, tables, raw, prefix };
}
