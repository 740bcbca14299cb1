// A small seedable PRNG whose whole state is four uint32 words, so it can be saved and
// restored: initialisation (one stream per parameter, init.ts) and sampling are reproducible
// given --seed. (Dropout masks are drawn by the generated code, seeded by (seed, step).)
//
// Generator: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c),
// seeded through a splitmix32-style mixer (so nearby seeds give unrelated streams and the
// state is never all zero: see the constructor).

const TWO_POW_32 = 4294967296;

/** Anything that draws uniforms in [0, 1): an Rng, or a plain function's wrapper. */
export interface UniformSource {
  next(): number;
}

/** splitmix32-style finaliser (the murmur3 fmix32 constants) over a Weyl sequence. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng implements UniformSource {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /**
   * `seed`: any finite number (integers up to 2^53 are all distinct seeds; fractions are
   * truncated). `stream`: an optional second number giving an independent stream for the
   * same seed (e.g. one for init, one for dropout, one for sampling).
   */
  constructor(seed = 0, stream = 0) {
    if (!Number.isFinite(seed) || !Number.isFinite(stream)) throw new RangeError(`Rng: seed and stream must be finite numbers (got ${seed}, ${stream})`);
    const lo = (x: number) => Math.trunc(x) >>> 0;
    const hi = (x: number) => Math.floor(Math.trunc(x) / TWO_POW_32) >>> 0;
    let z = (mix32(lo(seed) ^ 0x243f6a88) ^ mix32(hi(seed) ^ 0x85a308d3) ^ mix32(lo(stream) ^ 0x13198a2e) ^ mix32(hi(stream) ^ 0x03707344)) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      words.push(mix32(z));
    }
    // Never all zero (xoshiro's one forbidden state): the four z are distinct and mix32 is a
    // bijection of uint32, so at most one word is 0.
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  /** A generator in exactly the given state (as returned by `state()`). */
  static fromState(state: readonly number[]): Rng {
    const r = new Rng(0);
    r.restore(state);
    return r;
  }

  /** The next 32 random bits as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** A uniform number in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** This generator as a plain `() => number` (for code that takes a uniform function). */
  asFunction(): () => number {
    return () => this.next();
  }

  /** The full state: four uint32 words (JSON-safe). */
  state(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Restores a state returned by `state()`; the next draws repeat the ones that followed it. */
  restore(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new RangeError(`Rng.restore: expected 4 unsigned 32-bit integers, got ${JSON.stringify(state)}`);
    }
    if (state.every((w) => w === 0)) throw new RangeError('Rng.restore: the all-zero state is not a valid xoshiro128** state');
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w | 0);
  }
}
