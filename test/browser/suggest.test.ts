// examples/browser/suggest.html in headless Chromium, on a model exported by `rnnc export`
// and served by examples/browser/serve.mjs: typed text is answered with the library's
// next-token distribution (the same top tokens, the same probabilities), for a char model and
// a word model, and "Continue the text" appends the library's own sample for the same seed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildVocab, compile, exportModule, type LanguageModel } from '../../src/index.ts';
import { tempDir, TINY } from '../export/helpers.ts';
import { CHROMIUM, open, root, screenshot, SKIP, type Session } from './helpers.ts';

async function tinyModel(file: string, level: 'char' | 'word'): Promise<LanguageModel> {
  const model = compile(join(root, 'models', file), { vocab: buildVocab(level, TINY), dims: { embed: 16, hidden: 32 } }).init(1);
  await model.train({ train: TINY }, { steps: 30, batch: 4, bptt: 16, lr: 1e-2, seed: 1 });
  return model;
}

/** The library's next-token probabilities after the start token (newline or <eos>) and `ids`. */
function libraryProbs(model: LanguageModel, ids: ArrayLike<number>): Float64Array {
  const start = model.vocab!.kind === 'word' ? model.vocab!.eos : model.vocab!.index('\n');
  let r = model.step(start);
  for (const id of Array.from(ids)) r = model.step(id, r.state);
  return r.probs;
}

interface Shown {
  token: string;
  prob: number;
  label: string;
  percent: string;
}
const shown = (s: Session): Promise<Shown[]> =>
  s.page.$$eval('#suggestions li', (lis) =>
    lis.map((li) => ({ token: li.dataset.token!, prob: Number(li.dataset.prob), label: li.querySelector('.token')!.textContent!, percent: li.querySelector('.prob')!.textContent! })),
  );

/** The page's suggestions are the library's top k, in its order, with its probabilities. */
function expectLibrary(got: Shown[], model: LanguageModel, probs: Float64Array, k: number, keep: (t: string) => boolean = () => true) {
  const tokens = model.vocab!.tokens;
  const top = [...probs.keys()].filter((i) => keep(tokens[i])).sort((a, b) => probs[b] - probs[a]).slice(0, k);
  expect(got.map((g) => g.token)).toEqual(top.map((i) => tokens[i]));
  got.forEach((g, j) => {
    expect(Math.abs(g.prob - probs[top[j]])).toBeLessThan(1e-5);
    expect(Math.abs(Number(g.percent.replace('%', '')) - 100 * probs[top[j]])).toBeLessThanOrEqual(0.005 + 1e-3);
  });
}

async function serveModel(model: LanguageModel): Promise<Session> {
  const dir = tempDir('rnnc-browser-suggest-');
  writeFileSync(join(dir, 'model.mjs'), exportModule(model, { format: 'esm' }).code);
  const s = await open(['--model', join(dir, 'model.mjs')]);
  await s.page.goto(s.base + 'suggest.html');
  await s.page.waitForSelector('#text:not([disabled])', { timeout: 30_000 });
  return s;
}

it('suggests the next characters with the library’s probabilities, and continues the text as the library samples', async () => {
  if (!CHROMIUM) return void console.log(SKIP);
  const model = await tinyModel('char-lstm.rnn', 'char');
  const s = await serveModel(model);
  try {
    await expect(s.page.textContent('#status')).resolves.toContain('kernels wasm-simd128');
    const prefix = 'the ca';
    await s.page.type('#text', prefix);
    expectLibrary(await shown(s), model, libraryProbs(model, model.encode(prefix)), 8);
    // A space is shown as ␣; clicking a suggestion appends it and suggests after it.
    await s.page.fill('#text', 'the');
    const afterThe = await shown(s);
    expectLibrary(afterThe, model, libraryProbs(model, model.encode('the')), 8);
    const space = afterThe.find((g) => g.token === ' ');
    if (space) expect(space.label).toBe('␣');
    await s.page.fill('#k', '5');
    await s.page.click('#suggestions li:first-child .token');
    const text = 'the' + afterThe[0].token;
    await expect(s.page.inputValue('#text')).resolves.toBe(text);
    expectLibrary(await shown(s), model, libraryProbs(model, model.encode(text)), 5);
    // The temperature slider, then Continue: the page's first sample uses seed 1 and length 80.
    await s.page.$eval('#temperature', (el: HTMLInputElement) => ((el.value = '0.5'), el.dispatchEvent(new Event('input'))));
    await expect(s.page.textContent('#temperature-value')).resolves.toBe('0.50');
    await s.page.click('#continue');
    const continued = await s.page.inputValue('#text');
    expect(continued).toBe(text + model.sample({ prompt: text, length: 80, temperature: 0.5, seed: 1 }).text);
    expect(continued.length).toBe(text.length + 80);
    expectLibrary(await shown(s), model, libraryProbs(model, model.encode(continued)), 5);
    // A character the model has never seen is said so, not thrown.
    await s.page.type('#text', 'Z');
    await expect(s.page.textContent('#note')).resolves.toMatch(/Z/);
    await s.page.fill('#text', prefix);
    await screenshot(s.page, 'suggest.png');
    expect(s.errors).toEqual([]);
  } finally {
    await s.close();
  }
}, 120_000);

it('suggests next words for a word model, and the words that complete an unfinished one', async () => {
  if (!CHROMIUM) return void console.log(SKIP);
  const model = await tinyModel('word-lstm.rnn', 'word');
  const s = await serveModel(model);
  try {
    await s.page.type('#text', 'the cat sat on the ');
    expectLibrary(await shown(s), model, libraryProbs(model, model.encode('the cat sat on the').slice(0, -1)), 8);
    await s.page.type('#text', 'm');
    expectLibrary(await shown(s), model, libraryProbs(model, model.encode('the cat sat on the').slice(0, -1)), 8, (t) => t.startsWith('m'));
    await screenshot(s.page, 'suggest-word.png');
    expect(s.errors).toEqual([]);
  } finally {
    await s.close();
  }
}, 120_000);
