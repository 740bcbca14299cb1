// The performance path keeps training right: P1 (Embedding 65→64 → LSTM 256 → Linear 65) trained
// 10 SGD steps in float32 through the fast kernels (the native GEMM where it is built, else
// WebAssembly; packed gates, weights packed once per window, SIMD fused loops, native
// cross-entropy, two threads) gives, step by step, the losses of the same training in float64
// (plain JS loops) within 1e-4. B = 8 rows: more than the dot-product path takes.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { initParams } from '../../src/runtime/init.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';

it('P1: float32 training losses stay within 1e-4 relative of float64 over 10 steps', () => {
  const text = readFileSync('data/tinyshakespeare/input.txt', 'utf8');
  const vocab = buildCharVocab(text);
  const a = analyze('bench/models/p1-lstm.rnn', { dims: { vocab: vocab.size } });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  const ir = a.models[0];
  const compiled = compileModel(ir);
  const n = compiled.layout.totalParams;
  const P64 = new Float64Array(n);
  initParams(P64, compiled.layout.params, new Map(ir.params.map((p) => [p.name, p.init])), 3);
  const G64 = new Float64Array(n);
  const fast = compiled.createArenas(Float32Array);
  const P32 = fast.params as Float32Array;
  const G32 = fast.grads as Float32Array;
  P32.set(P64);
  const B = 8, T = 16;
  const r64 = compiled.instantiate({ Float: Float64Array, B, T, params: P64, grads: G64 });
  const r32 = compiled.instantiate({ Float: Float32Array, B, T, params: P32, grads: G32 });
  const ids = vocab.encode(text.slice(0, 20_000));
  const L = Math.floor(ids.length / B);
  const lr = 1;
  const losses: [number, number][] = [];
  for (let step = 0; step < 10; step++) {
    const w = new Int32Array(B * (T + 1));
    for (let b = 0; b < B; b++) w.set(ids.subarray(b * L + step * T, b * L + step * T + T + 1), b * (T + 1));
    const l64 = r64.run(w);
    const l32 = r32.run(w);
    losses.push([l32, l64]);
    for (let i = 0; i < n; i++) P64[i] -= lr * G64[i];
    for (let i = 0; i < n; i++) P32[i] -= lr * G32[i];
  }
  const worst = Math.max(...losses.map(([l32, l64]) => Math.abs(l32 - l64) / l64));
  console.log(`float32 vs float64, 10 P1 steps: worst relative loss difference ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-4);
  // The run did train (each step reads new text, so compare the best step with the first).
  expect(Math.min(...losses.map((x) => x[1]))).toBeLessThan(losses[0][1] - 0.5);
});
