// examples/browser/train.html in headless Chromium, on rnnc's browser build (built here by
// scripts/build-browser.mjs, as `npm run build:browser` does): the page's Web Worker
// (dist/browser/train-worker.mjs) compiles the shipped char-LSTM from text, trains it on the
// pasted text for a few seconds and posts each loss, which the page draws as it comes. Its first
// losses are the library's in Node for the same model, data, seed and options (the same math on
// other kernels), the loss it shows goes down, and the page stays responsive meanwhile: a key
// press moves the temperature slider mid-training, and the Long Tasks API sees the page's own
// thread busy for a small part of the training time (training in the page kept it busy throughout).
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
  // The worker beside it holds no second copy of the library: it imports the bundle.
  const worker = readFileSync(join(root, 'dist/browser/train-worker.mjs'), 'utf8');
  expect(worker).toMatch(/from "\.\/rnnc\.mjs"/);
  expect(worker).not.toMatch(/from ["']node:|import\(["']node:/);
  expect(worker.length).toBeLessThan(10_000);
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
    // What the page's own thread does while the worker trains: its long tasks (over 50 ms).
    await s.page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask' });
    });
    await s.page.click('#train');
    const started = Date.now();
    // While it trains, the progress line moves with each posted step, and the page answers a
    // key press at once: the slider's value is shown before training is done.
    await s.page.waitForSelector('#progress[data-loss]', { timeout: 30_000 });
    const early = (await s.page.textContent('#progress'))!;
    await s.page.focus('#temperature');
    await s.page.keyboard.press('ArrowRight');
    await expect(s.page.textContent('#temperature-value')).resolves.toBe('0.75');
    await s.page.waitForFunction((before) => document.getElementById('progress')!.textContent !== before, early, { timeout: 30_000 });
    const live = (await s.page.textContent('#progress'))!;
    expect(live).toMatch(/^step \d+: loss/);
    expect(live).not.toContain('done');
    await screenshot(s.page, 'train-live.png');
    await s.page.waitForSelector('#progress[data-curve]', { timeout: 60_000 });
    const trainedMs = Date.now() - started;
    const longTasks = await s.page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    expect(longTasks.reduce((a, b) => a + b, 0)).toBeLessThan(0.2 * trainedMs);
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
    // The worker samples asynchronously: the button comes back when the text is shown.
    await s.page.waitForFunction(() => !(document.querySelector('#sample') as HTMLButtonElement).disabled && (document.querySelector('#sampled')?.textContent ?? '') !== '');
    const sampled = (await s.page.textContent('#sampled'))!;
    expect(sampled.startsWith('it was')).toBe(true);
    expect([...sampled].length).toBe('it was'.length + 300);
    expect([...sampled].every((c) => vocab.tokens.includes(c))).toBe(true);
    await screenshot(s.page, 'train.png');
    // A model with an error: the worker's CompileError is shown, with where, and Train is back.
    await s.page.click('summary');
    const broken = (await s.page.inputValue('#source')).replace('loss cross_entropy(', 'loss cross_entropi(');
    await s.page.fill('#source', broken);
    await s.page.click('#train');
    await s.page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    await expect(s.page.textContent('#error')).resolves.toMatch(/char-lstm\.rnn:\d+:\d+: error: .*cross_entropi/);
    await s.page.waitForSelector('#train:not([disabled])');
    expect(s.errors).toEqual([]);
  } finally {
    await s.close();
  }
}, 120_000);
