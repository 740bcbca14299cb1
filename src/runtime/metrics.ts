// Language-model metrics from the negative log-likelihood (natural log, nats per token):
// perplexity = exp(mean NLL), bits per token = mean NLL / ln 2 (bits per character for a
// char model). The mean is over every predicted token: sums are accumulated in float64 and
// divided once at the end, so windows of different sizes weigh by their token count.

/** exp(mean NLL). */
export function perplexity(meanNll: number): number {
  return Math.exp(meanNll);
}

/** mean NLL in bits: nats / ln 2. For a char model this is bits per character. */
export function bitsPerToken(meanNll: number): number {
  return meanNll / Math.LN2;
}

/** Bits per character (a char model's bits per token). */
export const bitsPerChar = bitsPerToken;

/**
 * −log softmax(logits)[target] for one row `logits[offset .. offset+n)`, computed stably
 * (log-sum-exp with the max subtracted), in float64.
 */
export function tokenNll(logits: Float32Array | Float64Array, target: number, offset = 0, n = logits.length - offset): number {
  if (!(Number.isInteger(target) && target >= 0 && target < n)) throw new RangeError(`tokenNll: target ${target} is outside [0, ${n})`);
  let max = -Infinity;
  for (let i = offset; i < offset + n; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = offset; i < offset + n; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum) - logits[offset + target];
}

export interface NllMeterState {
  sum: number;
  count: number;
}

/** A streaming mean of per-token NLL, for evaluation over many windows. */
export class NllMeter {
  private total = 0;
  private n = 0;

  /** Adds a summed NLL over `count` tokens (one token's NLL when count = 1). */
  add(sumNll: number, count = 1): void {
    if (!(count >= 0)) throw new RangeError(`NllMeter.add: count must be ≥ 0 (got ${count})`);
    this.total += sumNll;
    this.n += count;
  }

  /** Adds a window's mean NLL over `count` tokens. */
  addMean(meanNll: number, count: number): void {
    this.add(meanNll * count, count);
  }

  /** Number of tokens seen. */
  get count(): number {
    return this.n;
  }

  /** Summed NLL (nats). */
  get sum(): number {
    return this.total;
  }

  /** Mean NLL in nats per token (NaN before any token). */
  get mean(): number {
    return this.n > 0 ? this.total / this.n : NaN;
  }

  get perplexity(): number {
    return perplexity(this.mean);
  }

  /** Mean NLL in bits per token; bits per character for a char model. */
  get bits(): number {
    return bitsPerToken(this.mean);
  }

  reset(): void {
    this.total = 0;
    this.n = 0;
  }

  state(): NllMeterState {
    return { sum: this.total, count: this.n };
  }

  load(s: NllMeterState): void {
    if (typeof s?.sum !== 'number' || typeof s?.count !== 'number' || !(s.count >= 0)) throw new RangeError(`NllMeter.load: malformed state ${JSON.stringify(s)}`);
    this.total = s.sum;
    this.n = s.count;
  }
}
