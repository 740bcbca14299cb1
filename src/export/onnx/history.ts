// The token history of offset lookups (`E[token@-k]`, and look-ahead models run late) in
// the exported graph: the last H tokens of each stream, an input and an output [B, H] int64
// like a state, exactly as rnnc carries it (codegen/history.ts, the layout's `token@history`):
// a token as its id + 1, 0 for a position before the stream's start (the pad, whose embedding
// is a zero row), so that all-zero inputs are a stream's start, as for the other states.
import { HISTORY_STATE } from '../../codegen/history.ts';
import type { OnnxBuilder } from '../../graph/ops/index.ts';

/** The history's input and output names (rnnc's state name, and its next value). */
export const historyNames = { input: HISTORY_STATE, output: `${HISTORY_STATE}'` };

export interface History {
  /** The ids + 1 read at step t + offset (offset in [-H, -1]) of each position, flat [T·B] in time-major order. */
  idsAt(offset: number): string;
  /** Rows of `table` with a zero row in front: the row of id + 1, and 0 (the pad) a zero vector. */
  padded(table: string, rank: number): string;
}

/**
 * The history's nodes in the main graph (`tokens` [T, B]): the window's tokens behind the
 * history, as ids + 1 [H + T, B]; `output` gets the last H of them, [B, H].
 */
export function lowerHistory(b: OnnxBuilder, H: number, tokens: string, output: (name: string) => void): History {
  const past = b.node('Transpose', [historyNames.input], { perm: [1, 0] });
  const window = b.node('Add', [tokens, b.node('Constant', [], { value_int: 1 })]);
  const all = b.node('Concat', [past, window], { axis: 0 });
  output(b.node('Transpose', [b.node('Slice', [all, b.ints([-H]), b.ints([Number.MAX_SAFE_INTEGER]), b.ints([0])])], { perm: [1, 0] }));
  const at = new Map<number, string>();
  const tables = new Map<string, string>();
  return {
    idsAt(offset) {
      if (!(offset < 0 && offset >= -H)) throw new Error(`internal: offset ${offset} outside the history of ${H}`);
      let ids = at.get(offset);
      // Rows H + offset … H + offset + T − 1 of [H + T, B]: the end counted from the end (offset < 0).
      if (ids === undefined) at.set(offset, (ids = b.node('Reshape', [b.node('Slice', [all, b.ints([H + offset]), b.ints([offset]), b.ints([0])]), b.ints([-1])])));
      return ids;
    },
    padded(table, rank) {
      let p = tables.get(table);
      if (p === undefined) tables.set(table, (p = b.node('Pad', [table, b.ints([1, ...new Array(2 * rank - 1).fill(0)])])));
      return p;
    },
  };
}
