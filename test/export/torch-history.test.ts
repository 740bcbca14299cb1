// The PyTorch export of the models with token history — the fixed-window LMs (E[token@-k]),
// CBOW (looks ahead: runs 2 steps late) and skip-gram (a loss over context positions) — computes
// what rnnc computes over consecutive windows, the history carried from one to the next.
// Oracle: rnnc's float64 generated backward pass (as `rnnc grad`), run window after window from
// a stream's start with its states carried: each window's loss and every parameter gradient
// within 1e-9 relative, and the carried states (the token history) equal. Random weights and
// tokens; windows shorter than the history, so that it spans windows. Needs /usr/bin/python3
// with torch; skipped with one line otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/codegen/index.ts';
import { compile, type LanguageModel } from '../../src/runtime/model.ts';
import { haveTorch, PYTHON, worst, writeExport } from './torch-helpers.ts';

const lcg = (seed: number) => {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
};

const MODELS = ['models/window-lm.rnn', 'models/char-window-lm.rnn', 'models/cbow.rnn', 'models/skipgram.rnn'];
const T = 3, B = 2, WINDOWS = 3;

interface Window {
  loss: number;
  grads: Record<string, number[]>;
  finals: Record<string, number[]>;
}

/** rnnc's float64 loss, gradients and carried states of consecutive windows ([B][T + 1] each) from a stream's start. */
function rnncWindows(model: LanguageModel, windows: number[][][]): Window[] {
  const compiled = compileModel(model.ir, { backward: true, dropout: false });
  const P = new Float64Array(compiled.layout.totalParams);
  const G = new Float64Array(compiled.layout.totalParams);
  const w = model.weights();
  for (const slot of compiled.layout.params) P.set(w.get(slot.name)!, slot.offset);
  const runner = compiled.instantiate({ Float: Float64Array, B, T, params: P, grads: G });
  runner.resetStates();
  return windows.map((rows) => {
    const loss = runner.run(Int32Array.from(rows.flat()), { carry: true });
    return {
      loss,
      grads: Object.fromEntries(compiled.layout.params.map((s) => [s.name, Array.from(G.subarray(s.offset, s.offset + s.size))])),
      finals: Object.fromEntries(compiled.layout.states.map((s, k) => [s.name, Array.from(runner.initial[k])])),
    };
  });
}

describe.skipIf(!haveTorch())('PyTorch export of models with token history (oracle: rnnc float64, windows carried)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-history-'));
  const models = MODELS.map((f, k) => compile(f, { dims: { vocab: 13, embed: 5, hidden: 6 } }).init(21 + k, { name: 'uniform', args: [0.5] }));
  // Every parameter uniform(-0.5, 0.5): the zero inits (CBOW's V and b) would leave most gradients 0.
  // Windows of each model's streams: window i covers steps [iT, iT + T], as the trainer cuts them.
  const windows = models.map((m, k) => {
    const rnd = lcg(301 + k);
    const streams = Array.from({ length: B }, () => Array.from({ length: WINDOWS * T + 1 }, () => Math.floor(rnd() * m.layout.vocab)));
    return Array.from({ length: WINDOWS }, (_, i) => streams.map((s) => s.slice(i * T, i * T + T + 1)));
  });
  let results: { windows: Window[] }[] = [];
  beforeAll(() => {
    const jobs = models.map((m, k) => {
      const { module, weights } = writeExport(m, join(dir, `m${k}`));
      // Python takes windows as [T + 1][B].
      return { module, weights, windows: windows[k].map((rows) => Array.from({ length: T + 1 }, (_, t) => rows.map((r) => r[t]))) };
    });
    const r = spawnSync(PYTHON, [join(import.meta.dirname, 'torch_history.py')], { input: JSON.stringify(jobs), maxBuffer: 1 << 30, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`torch_history.py failed:\n${r.stderr}`);
    results = JSON.parse(r.stdout);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(MODELS.map((f, k) => [f, k] as const))(`%s: loss and gradients of ${WINDOWS} consecutive windows, and the carried history`, (file, k) => {
    const ours = rnncWindows(models[k], windows[k]);
    ours.forEach((o, i) => {
      const py = results[k].windows[i];
      const checks = [worst([o.loss], [py.loss], `window ${i} loss`), ...Object.entries(o.grads).map(([n, d]) => worst(d, py.grads[n], `window ${i} d${n}`))];
      const g = checks.reduce((a, b) => (b.worst > a.worst ? b : a));
      console.log(`${file} window ${i}: loss ${o.loss}, loss+grads float64 worst ${g.worst.toExponential(2)}`);
      expect(g.worst, g.where).toBeLessThanOrEqual(1e-9);
      expect(Object.keys(py.finals)).toEqual(Object.keys(o.finals));
      for (const [n, v] of Object.entries(o.finals)) expect(py.finals[n], `window ${i}: state ${n}`).toEqual(v);
    });
  });
});

describe.runIf(!haveTorch())('PyTorch export of models with token history', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
