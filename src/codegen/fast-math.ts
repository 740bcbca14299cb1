// sigmoid and tanh for float32 storage: as accurate as a float32 can hold (a few 1e-7
// relative), at a third of the cost of Math.exp / Math.tanh, which are correctly rounded in
// float64 and were most of an LSTM step's element-wise time. The float64 path keeps the
// exact Math functions (exactSigmoid, Math.tanh): it is the oracle the tests compare against.

/** 2^n for n in [-160, 160], indexed by n + 160: scaling by a table read instead of Math.pow. */
const POW2 = new Float64Array(321).map((_, i) => 2 ** (i - 160));
const LOG2E = Math.LOG2E;
/** ln 2 split so that n·LN2_HI is exact for |n| < 2^11 (Cody–Waite range reduction); simd-loops.ts uses it too. */
export const LN2_SPLIT = { hi: 0.693145751953125, lo: 1.4286068203094173e-6 } as const;
const LN2_HI = LN2_SPLIT.hi;
const LN2_LO = LN2_SPLIT.lo;

/**
 * e^x with relative error below 2e-7 for |x| ≤ 100 (x clamped there; beyond it the float32
 * result is 0 or ∞ anyway): x = n·ln 2 + r with |r| ≤ ln2/2, e^r by its Taylor polynomial of
 * degree 6 (remainder r^7/7! < 1.6e-7), times 2^n from the table.
 */
export function exp32(x: number): number {
  const c = x > 100 ? 100 : x < -100 ? -100 : x;
  const n = Math.floor(c * LOG2E + 0.5);
  const r = c - n * LN2_HI - n * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return POW2[n + 160] * p;
}

/** σ(x) = 1 / (1 + e^-x), relative error below 2e-7 (inherits exp32's; the sum only shrinks it). */
export function sigmoid32(x: number): number {
  return 1 / (1 + exp32(-x));
}

/**
 * A [13/6] rational approximation of tanh on [-clamp, clamp] (the minimax fit Eigen uses for
 * float tanh; beyond it tanh rounds to ±1 in float32): x·p(x²) / q(x²), coefficients from
 * the lowest power up. simd-loops.ts evaluates the same one.
 */
export const TANH_RATIONAL = {
  clamp: 7.90531110763549805,
  p: [4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16],
  q: [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6],
} as const;
// Module constants, so the hot function reads no arrays.
const [T1, T3, T5, T7, T9, T11, T13] = TANH_RATIONAL.p;
const [D0, D2, D4, D6] = TANH_RATIONAL.q;
const TANH_CLAMP = TANH_RATIONAL.clamp;

/** tanh(x), relative error below 3e-7 everywhere (including near 0, where it is odd and ≈ x). */
export function tanh32(x: number): number {
  const c = x > TANH_CLAMP ? TANH_CLAMP : x < -TANH_CLAMP ? -TANH_CLAMP : x;
  const s = c * c;
  return (c * (T1 + s * (T3 + s * (T5 + s * (T7 + s * (T9 + s * (T11 + s * T13))))))) / (D0 + s * (D2 + s * (D4 + s * D6)));
}

/** σ for float64 code: 1 / (1 + e^-x) through Math.exp (for x ≪ 0 it is e^x/(1 + e^x) to rounding). */
export function exactSigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
