// Shifted windows (--shift-windows): each epoch's windows start o_e tokens into every stream,
// o_e drawn from (seed, epoch) in [0, T). The oracle is the unshifted trainer on a corpus cut so
// that its streams are the shifted ones: stream b of that corpus is tokens[b·L + o_e, …). The
// run equals it epoch by epoch (losses and weights bit for bit), and resumes exactly mid-epoch.
import { describe, expect, it } from 'vitest';
import { catCorpus } from './cat-corpus.ts';
import { continuedRun } from './continued-run.ts';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import { WindowBatches } from '../../src/runtime/train/batches.ts';

const { vocab, train, valid } = catCorpus(30);
const B = 4, T = 16, SEED = 5;
const shifted = new WindowBatches(train, B, T, undefined, true);

/** The streams of `train` shifted by o, as a corpus whose unshifted windows are the shifted ones. */
function cut(o: number): Int32Array {
  const n = shifted.count * T + 1; // the tokens one epoch of windows reads per stream
  const out = new Int32Array(B * n);
  for (let b = 0; b < B; b++) out.set(train.subarray(b * shifted.L + o, b * shifted.L + o + n), b * n);
  return out;
}

/** Losses of a run on `data` for `steps` steps, continuing from `from` when given. */
const run = (data: Int32Array, opts: TrainOptions, from?: Trainer) => continuedRun(vocab, { train: data, valid }, { batch: B, bptt: T, seed: SEED, ...opts }, from);

describe('shifted windows (shiftWindows)', () => {
  it('offsets: in [0, T), fixed by (seed, epoch), not the same every epoch; one window fewer than unshifted', () => {
    const offsets = Array.from({ length: 8 }, (_, e) => shifted.offset(SEED, e));
    for (const o of offsets) expect(o >= 0 && o < T && Number.isInteger(o)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(3);
    expect(Array.from({ length: 8 }, (_, e) => shifted.offset(SEED, e))).toEqual(offsets);
    expect(Array.from({ length: 8 }, (_, e) => shifted.offset(SEED + 1, e))).not.toEqual(offsets);
    expect(shifted.count).toBe(Math.floor((shifted.L - T) / T));
    const plain = new WindowBatches(train, B, T);
    expect(plain.offset(SEED, 3)).toBe(0);
    expect(() => plain.fill(new Int32Array(B * (T + 1)), 0, 1)).toThrow('window offset 1 is outside [0, 0]');
  });

  it('trains epoch e on the windows shifted by its offset: the unshifted run on the shifted streams, bit for bit', async () => {
    const [o0, o1] = [shifted.offset(SEED, 0), shifted.offset(SEED, 1)];
    expect(o0).not.toBe(o1); // else this seed would not test that the offset follows the epoch
    const n = shifted.count;
    const run2 = await run(train, { steps: 2 * n, shiftWindows: true });
    const first = await run(cut(o0), { steps: n });
    expect(first.t.batches.count).toBe(n);
    const second = await run(cut(o1), { steps: 2 * n }, first.t); // epoch 2 from epoch 1's state
    expect(run2.losses).toEqual([...first.losses, ...second.losses]);
    expect(run2.t.model.params).toEqual(second.t.model.params);
    // Not the unshifted run.
    const plain = await run(train, { steps: 2 * n });
    expect(plain.losses.slice(0, n)).not.toEqual(run2.losses.slice(0, n));
  });

  it('stopped mid-epoch and resumed: the same bits as without the stop', async () => {
    const n = shifted.count;
    const whole = await run(train, { steps: n + 5, shiftWindows: true });
    const head = await run(train, { steps: n + 2, shiftWindows: true });
    const tail = await run(train, { steps: n + 5, shiftWindows: true }, head.t);
    expect([...head.losses, ...tail.losses]).toEqual(whole.losses);
    expect(tail.t.model.params).toEqual(whole.t.model.params);
  });

  it('needs T − 1 tokens more per stream; too little text is a one-line DataError', () => {
    expect(new WindowBatches(new Int32Array(2 * (3 + 1 + 2)), 2, 3, 'the corpus', true).count).toBe(1);
    expect(() => new WindowBatches(new Int32Array(2 * (3 + 1 + 2) - 1), 2, 3, 'the corpus', true)).toThrow(
      'the corpus has 11 tokens, fewer than one window needs (batch 2 × (bptt 3 + 1 + 2 to shift) = 12); use a smaller --batch or --bptt, or more text',
    );
  });
});
