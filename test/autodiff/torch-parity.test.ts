// PyTorch parity: `rnnc grad` on the committed fixtures (made by
// test/fixtures/torch/make_fixtures.py with float64 PyTorch) must give PyTorch's loss and
// every parameter gradient to a relative error of 1e-9; with --dtype float32 (the training
// precision) within 1e-5.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/runtime/safetensors.ts';

const DIR = 'test/fixtures/torch';

// The shipped model itself where one matches a fixture (at the fixture's small dims), so the
// parity test follows it; the other fixtures have their .rnn beside them.
const SHIPPED: Record<string, string[]> = { 'word-lstm': ['models/word-lstm.rnn', '--dims', 'embed=5,hidden=4'] };

function grad(model: string, out: string, dtype = 'float64'): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/rnnc.js', 'grad', ...(SHIPPED[model] ?? [`${DIR}/${model}.rnn`]), '--weights', `${DIR}/${model}/weights.safetensors`, '--tokens', `${DIR}/${model}/tokens.json`, '--out', out, '--dtype', dtype], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const cases = ['elman', 'gru', 'lstm', 'lstm2', 'lstm-tied', 'word-lstm'].flatMap((m) => [
  [m, 'float64', 1e-9],
  [m, 'float32', 1e-5],
] as [string, string, number][]);

describe.concurrent('PyTorch parity of rnnc grad', () => {
  for (const [model, dtype, tol] of cases) {
    it(`${model} (${dtype})`, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'rnnc-parity-')), 'g.safetensors');
      const r = await grad(model, out, dtype);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const expected = readSafetensors(`${DIR}/${model}/expected.safetensors`);
      const got = readSafetensors(out);
      const torchLoss = Number(expected.metadata.loss);
      const loss = Number(/^loss (\S+)$/m.exec(r.stdout)![1]);
      expect(Math.abs(loss - torchLoss) / Math.abs(torchLoss)).toBeLessThanOrEqual(tol);
      expect(Number(got.metadata.loss)).toBe(loss);
      expect([...got.tensors.keys()].sort()).toEqual([...expected.tensors.keys()].sort());
      for (const [name, want] of expected.tensors) {
        const have = got.tensors.get(name)!;
        expect(have.shape, name).toEqual(want.shape);
        // Relative to the tensor's largest entry, so exact zeros compare sensibly.
        const scale = Math.max(...Array.from(want.data, Math.abs), 1e-300);
        let worst = 0;
        for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(have.data[i] - want.data[i]) / scale);
        expect(worst, `${model}: d loss / d ${name}`).toBeLessThanOrEqual(tol);
      }
    });
  }
});
