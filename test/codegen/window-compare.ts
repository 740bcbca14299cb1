// Generated code against the float64 reference interpreter over K consecutive windows, the
// reference given each window's whole past explicitly: what a carried token history (offset
// lookups, look-ahead models running late) must reproduce. Shared by the offset-model tests.
import { compileModel } from '../../src/codegen/index.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';
import type { IRModel } from '../../src/ir/types.ts';

export function maxAbsRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-300;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

/** K consecutive windows of B streams; the reference gets each window's past as `history`. */
export function compare(ir: IRModel, B: number, T: number, K: number, seed: number, Float: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array, fast = false) {
  const rnd = mulberry32(seed);
  const vocab = ir.dims.vocab!;
  const params = new Map(ir.params.map((p) => [p.name, Float64Array.from({ length: p.size as number }, () => rnd() * 2 - 1)]));
  const streams = Array.from({ length: B }, () => Array.from({ length: K * T + 1 }, () => Math.floor(rnd() * vocab)));
  const compiled = compileModel(ir);
  // fast: the arenas in the kernels' WebAssembly memory (GEMMs, the native cross-entropy where it applies).
  const arenas = fast ? compiled.createArenas(Float32Array) : { params: new Float(compiled.layout.totalParams), grads: new Float(compiled.layout.totalParams) };
  const P = arenas.params;
  const G = arenas.grads;
  for (const slot of compiled.layout.params) P.set(params.get(slot.name)!, slot.offset);
  const runner = compiled.instantiate({ Float, B, T, params: P, grads: G });
  const g = differentiate(unroll(ir, T, { training: true }));
  let initialStates: Map<string, Float64Array>[] | undefined;
  let lossErr = 0;
  let gradErr = 0;
  for (let k = 0; k < K; k++) {
    const tokens = streams.map((s) => s.slice(k * T, k * T + T + 1));
    const history = streams.map((s) => s.slice(0, k * T));
    const ref = referenceLossAndGrads(g, { params, tokens, history, initialStates, maskSeed: seed + k });
    const loss = runner.run(Int32Array.from(tokens.flat()), { seed: seed + k });
    // A look-ahead model's first window may hold only pads as targets: a loss of exactly 0.
    lossErr = Math.max(lossErr, ref.loss === 0 ? Math.abs(loss) : Math.abs(loss - ref.loss) / Math.abs(ref.loss));
    for (const slot of compiled.layout.params) gradErr = Math.max(gradErr, maxAbsRel(G.subarray(slot.offset, slot.offset + slot.size), ref.grads.get(slot.name)!));
    initialStates = ref.finalStates;
  }
  return { lossErr, gradErr, compiled, runner };
}
