// Nearest words by the cosine similarity of their embedding rows: what a trained table has
// learned about which tokens behave alike (word2vec's classic demonstration).
import type { IRExpr } from '../ir/types.ts';
import type { LanguageModel } from './model.ts';

export interface Neighbour {
  token: string;
  id: number;
  cosine: number;
}

export interface NeighbourList {
  word: string;
  id: number;
  neighbours: Neighbour[];
}

/** The embedding table: the param of the model's first lookup (`E` in `E[token]`), or null. */
export function embeddingTable(model: LanguageModel): string | null {
  const first = (e: IRExpr): string | null => {
    if (e.op === 'gather') return e.table;
    for (const a of 'args' in e ? e.args : []) {
      const t = first(a);
      if (t) return t;
    }
    return null;
  };
  for (const s of model.ir.step) {
    const t = first(s.expr);
    if (t) return t;
  }
  return null;
}

/**
 * For each word, the k other tokens whose rows of `table` ([vocab, d]) have the largest
 * cosine similarity with its row, most similar first (ties by id); a zero row is similar to
 * nothing (cosine 0). Throws a RangeError naming a word the vocabulary lacks.
 */
export function nearestNeighbours(model: LanguageModel, words: readonly string[], options: { k?: number; table?: string } = {}): NeighbourList[] {
  const vocab = model.vocab;
  if (!vocab) throw new RangeError(`model ${model.name} has no vocabulary, so it has no words to compare`);
  const table = options.table ?? embeddingTable(model);
  if (!table) throw new RangeError(`model ${model.name} has no embedding lookup (E[token])`);
  const slot = model.layout.params.find((p) => p.name === table);
  if (!slot) throw new RangeError(`model ${model.name} has no param ${table}`);
  const [rows, d] = slot.shape;
  if (slot.shape.length !== 2 || rows !== vocab.size) throw new RangeError(`param ${table} [${slot.shape.join(', ')}] is not an embedding table [vocab = ${vocab.size}, d]`);
  const E = model.weights().get(table)!;
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += E[r * d + j] * E[r * d + j];
    norms[r] = Math.sqrt(s);
  }
  const k = Math.min(options.k ?? 10, rows - 1);
  return words.map((word) => {
    const id = vocab.index(word);
    if (id < 0) throw new RangeError(`'${word}' is not in the vocabulary of ${model.name} (${vocab.size} tokens)`);
    const all: Neighbour[] = [];
    for (let r = 0; r < rows; r++) {
      if (r === id) continue;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += E[id * d + j] * E[r * d + j];
      const den = norms[id] * norms[r];
      all.push({ token: vocab.token(r), id: r, cosine: den > 0 ? dot / den : 0 });
    }
    all.sort((a, b) => b.cosine - a.cosine || a.id - b.id);
    return { word, id, neighbours: all.slice(0, k) };
  });
}
