// Linear interpolation of a neural model with n-gram models, per token, over the NEURAL
// model's vocabulary:  p(v | past) = λ₀·p_neural(v | past) + Σₖ λₖ·qₖ(v | past),  Σ λ = 1.
//
// qₖ is n-gram k's distribution carried onto the neural vocabulary (VocabProjection):
//   - a neural token whose name the n-gram knows gets that word's probability (`<eos>` is `</s>`);
//   - neural tokens the n-gram lacks map to the n-gram's `<unk>` and share its probability
//     equally with the neural `<unk>` (so a word never gets `<unk>`'s whole mass twice);
//   - n-gram words the neural vocabulary lacks give their probability to the neural `<unk>`;
//     when the neural model has no `<unk>` (char models) that mass is dropped and q is
//     renormalised over the tokens it can predict;
//   - `<s>` is never predicted.
// So each qₖ sums to 1 over the neural vocabulary, and so does the mixture.
import type { Vocab } from '../runtime/data/vocab.ts';
import type { NgramModel } from './model.ts';
import { NgramScorer } from './score.ts';

export class VocabProjection {
  /** Neural id → n-gram id (−1: the n-gram has neither the word nor `<unk>`). */
  readonly map: Int32Array;
  /** 1 / (number of neural tokens mapped to the same n-gram word). */
  readonly share: Float64Array;
  /** N-gram words (not `<s>`) no neural token maps to: their mass goes to the neural `<unk>`. */
  readonly unmapped: Int32Array;
  /** The neural `<unk>`, or −1. */
  readonly unk: number;
  readonly scorer: NgramScorer;

  constructor(model: NgramModel, vocab: Vocab) {
    this.map = model.vocab.mapVocab(vocab);
    const users = new Int32Array(model.vocab.size);
    for (const w of this.map) if (w >= 0) users[w]++;
    this.share = Float64Array.from(this.map, (w) => (w >= 0 ? 1 / users[w] : 0));
    const unmapped: number[] = [];
    for (let w = 0; w < model.vocab.size; w++) if (users[w] === 0 && w !== model.vocab.bos) unmapped.push(w);
    this.unmapped = Int32Array.from(unmapped);
    this.unk = vocab.unk;
    this.scorer = new NgramScorer(model);
  }

  /** Mass of the unmapped n-gram words in the current context. */
  private unmappedMass(): number {
    let u = 0;
    for (const w of this.unmapped) u += Math.exp(this.scorer.logProb(w));
    return u;
  }

  /** q(v | current context) for neural token v. */
  prob(v: number): number {
    const w = this.map[v];
    const base = w >= 0 ? Math.exp(this.scorer.logProb(w)) * this.share[v] : 0;
    if (this.unmapped.length === 0) return base;
    const u = this.unmappedMass();
    if (this.unk >= 0) return v === this.unk ? base + u : base;
    return base / (1 - u);
  }

  /** q(· | current context) over the whole neural vocabulary. */
  distribution(out: Float64Array = new Float64Array(this.map.length)): Float64Array {
    const u = this.unmapped.length ? this.unmappedMass() : 0;
    for (let v = 0; v < this.map.length; v++) {
      const w = this.map[v];
      out[v] = w >= 0 ? Math.exp(this.scorer.logProb(w)) * this.share[v] : 0;
      if (this.unk < 0 && u > 0) out[v] /= 1 - u;
    }
    if (this.unk >= 0) out[this.unk] += u;
    return out;
  }

  /** Moves the context past neural token v. */
  observe(v: number): void {
    this.scorer.observe(this.map[v]);
  }

  reset(): void {
    this.scorer.reset();
  }
}

/**
 * q(ids[i] | ids[0..i)) for i = 1 … N−1 (entry i−1), the n-gram carried onto the neural
 * vocabulary: the targets of `rnnc eval --batch 1`.
 */
export function projectedProbs(model: NgramModel, vocab: Vocab, ids: ArrayLike<number>): Float64Array {
  const p = new VocabProjection(model, vocab);
  const out = new Float64Array(Math.max(0, ids.length - 1));
  p.observe(ids[0]);
  for (let i = 1; i < ids.length; i++) {
    out[i - 1] = p.prob(ids[i]);
    p.observe(ids[i]);
  }
  return out;
}

/** Σᵢ ln Σₖ λₖ pₖ[i] / N: the mixture's mean log-likelihood of the tokens. */
export function mixedMeanLn(probs: readonly Float64Array[], weights: readonly number[]): number {
  const n = probs[0].length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let p = 0;
    for (let k = 0; k < probs.length; k++) p += weights[k] * probs[k][i];
    s += Math.log(p);
  }
  return s / n;
}

/** Per-token probabilities of the mixture. */
export function mixProbs(probs: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const out = new Float64Array(probs[0].length);
  for (let k = 0; k < probs.length; k++) for (let i = 0; i < out.length; i++) out[i] += weights[k] * probs[k][i];
  return out;
}

export interface TuneResult {
  weights: number[];
  iterations: number;
  /** Mean ln p of the tuning tokens under the tuned mixture. */
  meanLn: number;
}

/**
 * The mixture weights that maximise the likelihood of the tokens (so minimise perplexity), by
 * EM: λₖ ← mean over tokens of the posterior λₖpₖ / Σⱼ λⱼpⱼ. The log-likelihood is concave in
 * λ, so EM climbs to the global optimum; it stops when no weight moves by more than `tol`.
 */
export function tuneWeights(probs: readonly Float64Array[], options: { tol?: number; maxIterations?: number; start?: number[] } = {}): TuneResult {
  const K = probs.length;
  const n = probs[0].length;
  const tol = options.tol ?? 1e-7;
  const max = options.maxIterations ?? 10000;
  let w = options.start?.slice() ?? new Array<number>(K).fill(1 / K);
  let it = 0;
  while (it < max) {
    it++;
    const next = new Array<number>(K).fill(0);
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let k = 0; k < K; k++) p += w[k] * probs[k][i];
      if (p > 0) for (let k = 0; k < K; k++) next[k] += (w[k] * probs[k][i]) / p;
    }
    const total = next.reduce((a, b) => a + b, 0);
    for (let k = 0; k < K; k++) next[k] /= total;
    const moved = Math.max(...next.map((x, k) => Math.abs(x - w[k])));
    w = next;
    if (moved < tol) break;
  }
  return { weights: w, iterations: it, meanLn: mixedMeanLn(probs, w) };
}
