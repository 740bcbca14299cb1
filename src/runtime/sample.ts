// Picking the next token from a row of logits: greedy, or a draw from
//   softmax(logits / temperature), restricted to the top k logits, then to the nucleus —
// the smallest set of the most probable tokens whose mass reaches p (Holtzman et al. 2020) —
// and renormalised. The order temperature → top-k → top-p is the one of Hugging Face's
// `generate` (top-k is invariant to temperature; top-p is not).
//
// Conventions: temperature 0 (or `greedy`) is argmax, the lowest index winning ties; as
// temperature → 0 the distribution concentrates on the argmax. Ties at the top-k or top-p
// boundary are broken towards the lower index, so exactly k tokens survive top-k.
// -Infinity logits (masked tokens) get probability 0; NaN or +Infinity logits are an error.
// A Sampler owns its scratch buffers: sampling allocates nothing after the first call.
import type { UniformSource } from './rng.ts';

export interface SampleOptions {
  /** > 0; default 1. 0 means greedy. */
  temperature?: number;
  /** Keep the k largest logits (integer ≥ 1); default: all. */
  topK?: number;
  /** Keep the smallest most-probable set with mass ≥ p, 0 < p ≤ 1; default 1 (all). */
  topP?: number;
  /** Argmax, ignoring the rng and the other options. */
  greedy?: boolean;
}

type Logits = Float32Array | Float64Array;

/** Index of the largest logit; the lowest index among equal maxima. Throws on NaN/+Inf/all −Inf. */
export function argmax(logits: Logits, n = logits.length): number {
  let best = -1;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = logits[i];
    if (v > max) {
      max = v;
      best = i;
    } else if (v !== v) {
      throw new RangeError(`sample: logit ${i} is NaN`);
    }
  }
  if (best < 0) throw new RangeError(n === 0 ? 'sample: no logits' : 'sample: every logit is -Infinity');
  if (max === Infinity) throw new RangeError(`sample: logit ${best} is +Infinity`);
  return best;
}

/** Stable softmax of logits / temperature into `out` (float64); returns `out`. */
export function softmax(logits: Logits, out: Float64Array = new Float64Array(logits.length), temperature = 1): Float64Array {
  const n = logits.length;
  const max = logits[argmax(logits)];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp((logits[i] - max) / temperature);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

function checkOptions(o: SampleOptions): void {
  const t = o.temperature;
  if (t !== undefined && !(t >= 0 && t < Infinity)) throw new RangeError(`sample: temperature must be ≥ 0 and finite (got ${t})`);
  const k = o.topK;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new RangeError(`sample: top-k must be an integer ≥ 1 (got ${k})`);
  const p = o.topP;
  if (p !== undefined && !(p > 0 && p <= 1)) throw new RangeError(`sample: top-p must be in (0, 1] (got ${p})`);
}

export class Sampler {
  private weights: Float64Array;
  private sorted: Float64Array;

  /** `capacity`: the vocabulary size (scratch grows on demand if a longer row comes). */
  constructor(capacity = 0) {
    this.weights = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  private ensure(n: number): void {
    if (this.weights.length < n) {
      this.weights = new Float64Array(n);
      this.sorted = new Float64Array(n);
    }
  }

  /**
   * Writes the unnormalised weights of the distribution `sample` draws from into
   * `this.weights[0..n)` and returns their sum (> 0). Not used for greedy.
   */
  private weigh(logits: Logits, o: SampleOptions): number {
    const n = logits.length;
    this.ensure(n);
    const w = this.weights;
    const sorted = this.sorted;
    const t = o.temperature ?? 1;
    const k = Math.min(o.topK ?? n, n);
    const p = o.topP ?? 1;
    const max = logits[argmax(logits)]; // also validates
    // Top-k on the logits: everything above the k-th largest value, plus ties at it in index order.
    let kTau = -Infinity;
    let kTies = n;
    if (k < n) {
      for (let i = 0; i < n; i++) sorted[i] = logits[i];
      const s = sorted.subarray(0, n).sort();
      kTau = s[n - k];
      let above = 0;
      for (let j = n - k + 1; j < n; j++) if (s[j] > kTau) above++;
      kTies = k - above;
    }
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = logits[i];
      let keep = v > kTau;
      if (!keep && v === kTau && kTies > 0) {
        keep = true;
        kTies--;
      }
      const e = keep ? Math.exp((v - max) / t) : 0;
      w[i] = e;
      total += e;
    }
    if (p < 1) {
      // Nucleus: walk the weights from the largest down until the mass reaches p·total.
      for (let i = 0; i < n; i++) sorted[i] = w[i];
      const s = sorted.subarray(0, n).sort();
      const target = p * total;
      let acc = 0;
      let j = n - 1;
      for (; j > 0; j--) {
        acc += s[j];
        if (acc >= target) break;
      }
      const pTau = s[j];
      let above = 0;
      for (let q = j + 1; q < n; q++) if (s[q] > pTau) above++;
      let pTies = n - j - above;
      total = 0;
      for (let i = 0; i < n; i++) {
        const e = w[i];
        if (e > pTau) total += e;
        else if (e === pTau && pTies > 0) {
          pTies--;
          total += e;
        } else w[i] = 0;
      }
    }
    return total;
  }

  /** The (normalised) distribution `sample` draws from, written into `out`. */
  probabilities(logits: Logits, options: SampleOptions = {}, out: Float64Array = new Float64Array(logits.length)): Float64Array {
    checkOptions(options);
    const n = logits.length;
    if (options.greedy || options.temperature === 0) {
      const best = argmax(logits);
      out.fill(0, 0, n);
      out[best] = 1;
      return out;
    }
    const total = this.weigh(logits, options);
    for (let i = 0; i < n; i++) out[i] = this.weights[i] / total;
    return out;
  }

  /** Draws the next token id; `rng` is used once (not at all when greedy). */
  sample(logits: Logits, options: SampleOptions, rng: UniformSource): number {
    checkOptions(options);
    if (options.greedy || options.temperature === 0) return argmax(logits);
    const total = this.weigh(logits, options);
    const w = this.weights;
    const n = logits.length;
    let u = rng.next() * total;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const e = w[i];
      if (e > 0) {
        if (u < e) return i;
        u -= e;
        last = i;
      }
    }
    return last; // rounding left u ≥ 0 after the last kept token
  }
}

const shared = new Sampler();

/** One-off convenience over a shared Sampler (not re-entrant across async code; cheap to call). */
export function sampleToken(logits: Logits, options: SampleOptions, rng: UniformSource): number {
  return shared.sample(logits, options, rng);
}
