// examples/browser/train.html in headless Chromium, on rnnc's browser build (built here by
// scripts/build-browser.mjs, as `npm run build:browser` does): the page compiles the shipped
// char-LSTM from text, trains it on the pasted text for a few seconds and draws the loss. Its
// first losses are the library's in Node for the same model, data, seed and options (the
// same math on other kernels), and the loss it shows goes down.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildCharVocab, compile } from '../../src/index.ts';
import { CHROMIUM, open, root, screenshot, SKIP } from './helpers.ts';

const TEXT = 'It was the best of times, it was the worst of times,\nit was the age of wisdom, it was the age of foolishness,\n'.repeat(6);
const OPTIONS = { hidden: 48, batch: 8, bptt: 24, lr: 0.01 };

it('builds a bundle with no Node built-in that reads neither grammar/ nor models/ from disk', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts/build-browser.mjs')], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^rnnc: built dist\/browser\/rnnc\.mjs \(\d+ KiB\)/);
  const code = readFileSync(join(root, 'dist/browser/rnnc.mjs'), 'utf8');
  expect(code).not.toMatch(/openSync|rnn\.ohm|from ["']node:|import\(["']node:/); // the native addon's loader stays, behind process.getBuiltinModule
  expect(code).toContain(JSON.stringify(readFileSync(join(root, 'models/cells/lstm.rnn'), 'utf8')));
}, 60_000);

it('trains a char model on pasted text in the page, as the library does, and the loss goes down', async () => {
  if (!CHROMIUM) return void console.log(SKIP);
  const s = await open();
  try {
    await s.page.goto(s.base + 'train.html');
    await s.page.waitForSelector('#train:not([disabled])', { timeout: 30_000 });
    await expect(s.page.textContent('#status')).resolves.toMatch(/kernels wasm-simd128/);
    await s.page.fill('#text', TEXT);
    await s.page.fill('#hidden', String(OPTIONS.hidden));
    await s.page.fill('#batch', String(OPTIONS.batch));
    await s.page.fill('#bptt', String(OPTIONS.bptt));
    await s.page.fill('#lr', String(OPTIONS.lr));
    await s.page.fill('#seconds', '4');
    await s.page.click('#train');
    // While it trains, the curve is drawn and the progress line moves.
    await s.page.waitForSelector('#progress[data-loss]', { timeout: 30_000 });
    await s.page.waitForSelector('#progress[data-curve]', { timeout: 60_000 });
    await expect(s.page.textContent('#error')).resolves.toBe('');
    const curve = JSON.parse((await s.page.getAttribute('#progress', 'data-curve'))!) as number[];
    expect(curve.length).toBeGreaterThanOrEqual(10);
    const first = Number(await s.page.getAttribute('#progress', 'data-first'));
    const last = Number(await s.page.getAttribute('#progress', 'data-last'));
    expect(first).toBe(curve[0]);
    expect(last).toBe(curve[curve.length - 1]);
    expect(last).toBeLessThan(0.6 * first);
    await expect(s.page.textContent('#progress')).resolves.toMatch(/^step \d+: loss \d+\.\d{3} nats\/char, [\d,]+ tokens\/s, [\d.]+ s — done \(minutes\)$/);
    // The oracle: the library in Node, the same model text, dims, data, seed and options.
    const vocab = buildCharVocab(TEXT);
    const model = compile(join(root, 'models/char-lstm.rnn'), { vocab, dims: { embed: OPTIONS.hidden, hidden: OPTIONS.hidden } }).init(0);
    const ref: number[] = [];
    await model.train({ train: TEXT }, { batch: OPTIONS.batch, bptt: OPTIONS.bptt, lr: OPTIONS.lr, steps: 5, seed: 0 }, { onStep: (i) => ref.push(i.loss) });
    ref.forEach((l, i) => expect(Math.abs(curve[i] - l) / l).toBeLessThan(1e-3));
    // A sample from the trained model, of its characters.
    await s.page.fill('#prompt', 'it was');
    await s.page.click('#sample');
    const sampled = (await s.page.textContent('#sampled'))!;
    expect(sampled.startsWith('it was')).toBe(true);
    expect([...sampled].length).toBe('it was'.length + 300);
    expect([...sampled].every((c) => vocab.tokens.includes(c))).toBe(true);
    await screenshot(s.page, 'train.png');
    expect(s.errors).toEqual([]);
  } finally {
    await s.close();
  }
}, 120_000);
