// DropConnect on the params declared `weight_drop p` (Merity et al. 2017): for one training
// window the generated code reads W ⊙ m, m one mask per param drawn once per window (every
// entry 0 with probability p, else 1/(1 − p)), shared by all streams and steps. The arena
// holds W ⊙ m during the window and W again after it (restored bit for bit), and the
// gradient of W is the chain rule's m ⊙ dL/d(W ⊙ m). The mask depends only on the window
// seed, so a resumed run draws the same masks; outside training W is used as is.
import { maskSeed } from '../../graph/interpret.ts';
import type { IRModel } from '../../ir/types.ts';

type Arena = Float32Array | Float64Array;

/** The mask position a weight-drop mask is seeded with (dropout masks use steps >= -2). */
const WEIGHT_T = -3;

/** Fills `out` with param `k`'s DropConnect mask for a window seed: 0 or 1/(1 − p) per entry. */
export function weightDropMask(out: Float64Array | Float32Array, seed: number, k: number, p: number): void {
  // mulberry32 (graph/interpret.ts) written out in the loop: the same draws, a quarter of the
  // time (the masks of a 2-layer PTB model are ~800,000 draws a window). u / 2^32 < p ⇔ u < p · 2^32 exactly.
  let a = maskSeed(seed, k, WEIGHT_T, 0) >>> 0;
  const keep = 1 / (1 - p);
  const below = p * 4294967296;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) >>> 0 < below ? 0 : keep;
  }
}

export interface WeightDropSlot {
  name: string;
  offset: number;
  size: number;
  p: number;
}

/** The dropped params of a model with their arena slots (empty when none declares weight_drop). */
export function weightDropSlots(ir: IRModel, layout: readonly { name: string; offset: number; size: number }[]): WeightDropSlot[] {
  const rate = new Map(ir.params.filter((p) => p.weightDrop).map((p) => [p.name, p.weightDrop!]));
  return layout.filter((s) => rate.has(s.name)).map((s) => ({ name: s.name, offset: s.offset, size: s.size, p: rate.get(s.name)! }));
}

export class WeightDrop {
  private readonly raw: Float64Array[];
  private readonly masks: Float64Array[];

  constructor(readonly slots: readonly WeightDropSlot[]) {
    this.raw = slots.map((s) => new Float64Array(s.size));
    this.masks = slots.map((s) => new Float64Array(s.size));
  }

  /** Before a training window: keep W, write W ⊙ m into the arena. */
  apply(params: Arena, seed: number): void {
    this.slots.forEach((s, k) => {
      const view = params.subarray(s.offset, s.offset + s.size);
      this.raw[k].set(view);
      weightDropMask(this.masks[k], seed, k, s.p);
      const m = this.masks[k];
      for (let i = 0; i < s.size; i++) view[i] *= m[i];
    });
  }

  /** After it: W back in the arena, and dL/dW = m ⊙ dL/d(W ⊙ m) in the gradient arena. */
  restore(params: Arena, grads: Arena): void {
    this.slots.forEach((s, k) => {
      params.set(this.raw[k], s.offset);
      const m = this.masks[k];
      for (let i = 0; i < s.size; i++) grads[s.offset + i] *= m[i];
    });
  }
}
