// The PyTorch export trains an adaptive softmax as rnnc does (Grave et al. 2017): given the
// targets, forward() computes the head for every step and each tail cluster only for the
// steps whose target is in it. Oracles: the export's own dense log-probabilities (every
// word's, which torch.test.ts checks against rnnc) picked at the targets — values and
// gradients within 1e-12 in float64, with pad targets, several target positions and an
// empty cluster — and the cost formula, counted over the whole forward(): multiply-adds N·c1·d
// (the head's words) plus n_k·|cluster k|·d per cluster with n_k targets in it, where the
// dense output layer does N·V·d.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { haveTorch, PYTHON, writeExport } from './torch-helpers.ts';

const V = 9, CUTOFFS = [3, 5], D = 3, T = 4, B = 3;
const HAVE = haveTorch();
if (!HAVE) console.log('skipped: PyTorch export adaptive softmax test, no torch for /usr/bin/python3 (apt-get install python3-torch)');

interface Row { name: string; values: number; grads: number; macs: number; dense_macs: number }

/** The multiply-adds of the head for every step and each cluster for its targets. */
function expectedMacs(targets: number[][][]): number {
  const ends = [...CUTOFFS.slice(1), V];
  let macs = T * B * CUTOFFS[0] * D;
  for (const rows of targets) {
    const ys = rows.flat();
    CUTOFFS.forEach((a, k) => (macs += ys.filter((y) => y >= a && y < ends[k]).length * (ends[k] - a) * D));
  }
  return macs;
}

describe.skipIf(!HAVE)('PyTorch export: the adaptive softmax given targets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-ada-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const model = compile('test/codegen/models/adaptive.rnn', { dims: { vocab: V } }).init(3);
  const { module, weights } = writeExport(model, dir);
  // Inputs and targets avoid the cluster [3, 5) in the first cases (its softmax is never computed).
  const window = [[0, 5, 8], [1, 2, 7], [6, 0, 2], [8, 8, 1], [2, 6, 0]];
  const next = window.slice(1);
  const cases: { name: string; targets: number[][][] }[] = [
    { name: 'next tokens, one cluster without a target', targets: [next] },
    { name: 'pad targets (-1) among them', targets: [next.map((r, t) => r.map((y, b) => ((t + b) % 3 === 0 ? -1 : y)))] },
    { name: 'two target positions, every cluster', targets: [next, next.map((r) => r.map((y) => (y + 3) % V))] },
  ];
  const run = spawnSync(PYTHON, [join(import.meta.dirname, 'torch_adaptive.py')], {
    input: JSON.stringify({ module, weights, window, cutoffs: CUTOFFS, cases: cases.map((c) => ({ name: c.name, targets: c.targets.length === 1 ? c.targets[0] : c.targets })) }),
    encoding: 'utf8',
  });
  const rows: Row[] = run.status === 0 ? JSON.parse(run.stdout) : [];

  it('runs', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(rows).toHaveLength(cases.length);
  });
  it.each(cases.map((c, k) => [c.name, k] as const))('%s: values and gradients as the dense path picked at the targets', (_, k) => {
    const r = rows[k];
    console.log(`${r.name}: values ${r.values.toExponential(2)}, gradients ${r.grads.toExponential(2)}, multiply-adds ${r.macs} (dense ${r.dense_macs})`);
    expect(r.values).toBeLessThan(1e-12);
    expect(r.grads).toBeLessThan(1e-12);
  });
  // forward() given the targets saves the dense output layer's N·V·d and spends the head's and the clusters' instead.
  it.each(cases.map((c, k) => [c.name, k] as const))('%s: forward() does the multiply-adds of the head and the targets\' clusters only', (_, k) => {
    expect(rows[k].dense_macs - rows[k].macs).toBe(T * B * V * D - expectedMacs(cases[k].targets));
  });
});
