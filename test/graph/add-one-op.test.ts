// An op added in the registry alone (hardtanh, with hardtanh_grad, in src/graph/ops/) works
// through every back end: its gradients match central differences (gradcheck, through the
// generated JavaScript), the generated code equals the float64 interpreter, and float32
// runs through its SIMD form. (The registry test and the ONNX property test draw it too.)
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/testing/gradcheck.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { analyze } from '../../src/frontend.ts';
import { readFromDisk } from '../../src/syntax/load.ts';
import type { CellDecl } from '../../src/syntax/ast.ts';
import { wrapCell } from '../../src/wrap-cell.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';

const FILE = 'test/graph/models/hard-elman.rnn';

function wrapped() {
  const a = analyze(FILE);
  const w = wrapCell(a.context.cells.get('HardElman')!.decl as CellDecl, a.root, readFromDisk);
  if (typeof w === 'string') throw new Error(w);
  const wa = analyze(w.path, { dims: { vocab: 5, d_in: 3, d_hidden: 4 }, readFile: w.readFile });
  return wa.models.find((m) => m.name === w.name)!;
}

describe('hardtanh, added in the op registry alone', () => {
  it('gradcheck: generated gradients equal float64 central differences (kinks at ±1 handled)', () => {
    const report = checkGradients(FILE, { runs: 12, seed: 5 });
    for (const r of report.results) {
      expect(r.error, r.model).toBeUndefined();
      expect(r.counterexample, r.model).toBeNull();
      expect(r.runs).toBe(12);
    }
  });

  it('the generated JavaScript equals the reference interpreter (float64, loss and gradients)', () => {
    const ir = wrapped();
    const compiled = compileModel(ir);
    expect(compiled.source).toMatch(/ > 1 \? 1 : .* < -1 \? -1 : /);
    expect(compiled.source).toMatch(/ > -1 && .* < 1 \? /);
    const rnd = mulberry32(3);
    const params = new Map(ir.params.map((p) => [p.name, Float64Array.from({ length: p.size as number }, () => 2 * rnd() - 1)]));
    const B = 2, T = 4;
    const tokens = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => Math.floor(rnd() * 5)));
    const P = new Float64Array(compiled.layout.totalParams), G = new Float64Array(compiled.layout.totalParams);
    for (const s of compiled.layout.params) P.set(params.get(s.name)!, s.offset);
    const loss = compiled.instantiate({ Float: Float64Array, B, T, params: P, grads: G }).run(Int32Array.from(tokens.flat()));
    const ref = referenceLossAndGrads(differentiate(unroll(ir, T)), { params, tokens });
    expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-12);
    for (const s of compiled.layout.params) {
      const want = ref.grads.get(s.name)!;
      for (let i = 0; i < s.size; i++) expect(Math.abs(G[s.offset + i] - want[i]), `${s.name}[${i}]`).toBeLessThan(1e-12);
    }
  });

  it('float32 in the kernels\' memory runs hardtanh in a SIMD loop and stays within 1e-5 of float64', () => {
    const ir = wrapped();
    const compiled = compileModel(ir);
    const run = (Float: Float32ArrayConstructor | Float64ArrayConstructor, fast: boolean) => {
      const a = fast ? compiled.createArenas(Float32Array) : { params: new Float(compiled.layout.totalParams), grads: new Float(compiled.layout.totalParams) };
      const rnd = mulberry32(9);
      for (let i = 0; i < a.params.length; i++) a.params[i] = 2 * rnd() - 1;
      const tokens = Int32Array.from({ length: 4 * 6 }, () => Math.floor(rnd() * 5));
      return compiled.instantiate({ Float, B: 4, T: 5, params: a.params, grads: a.grads }).run(tokens);
    };
    expect(compiled.source).toMatch(/L\.f\d+\(/);
    const l64 = run(Float64Array, false);
    expect(Math.abs(run(Float32Array, true) - l64) / l64).toBeLessThan(1e-5);
  });
});
