// The module's file itself: nothing imported or required, in either format; the weights
// left outside (--weights external) and read at init from a path, a file URL, an http URL or
// bytes give exactly the inlined module's numbers; weights that do not fit are one clear error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, exportModule, type LanguageModel } from '../../src/index.ts';
import { scoreText } from '../../src/runtime/score.ts';
import { runNode, SHIPPED, tempDir, trainedTiny } from './helpers.ts';

const TEXT = 'the cat sat on the log .\n';
const charModel = SHIPPED.find((f) => f.endsWith('char-lstm.rnn'))!;
const wordModel = SHIPPED.find((f) => f.endsWith('word-lstm.rnn'))!;

let model: LanguageModel;
beforeAll(async () => {
  model = await trainedTiny(charModel);
}, 60_000);

describe('the file', () => {
  it('imports and requires nothing, and says which API it has', () => {
    for (const format of ['esm', 'cjs'] as const) {
      for (const weights of ['inline', 'external'] as const) {
        const { code, dts } = exportModule(model, { format, weights });
        expect(code).not.toMatch(/\bimport\b/);
        expect(code).not.toMatch(/\brequire\b/);
        // CommonJS has no export statements; ESM no module.exports.
        if (format === 'cjs') expect(code).not.toMatch(/^export\b/m);
        else expect(code).not.toMatch(/module\.exports/);
        for (const name of ['init', 'initSync', 'info', 'encode', 'decode', 'initialState', 'step', 'score', 'sample']) expect(dts).toContain(`export function ${name}(`);
      }
    }
  });

  it('is refused for an unknown format', () => {
    expect(() => exportModule(model, { format: 'umd' as 'esm' })).toThrow(/unknown module format "umd": expected esm or cjs/);
  });
});

describe('--weights external', () => {
  it('reads the .safetensors from a path, a file URL, an http URL or bytes, and refuses weights that do not fit', async () => {
    const dir = tempDir();
    const inline = exportModule(model, { format: 'esm' });
    const ext = exportModule(model, { format: 'esm', weights: 'external' });
    const extCjs = exportModule(model, { format: 'cjs', weights: 'external' });
    expect(ext.code.length).toBeLessThan(inline.code.length / 4);
    writeFileSync(join(dir, 'inline.mjs'), inline.code);
    writeFileSync(join(dir, 'ext.mjs'), ext.code);
    writeFileSync(join(dir, 'ext.cjs'), extCjs.code);
    writeFileSync(join(dir, 'ext.safetensors'), ext.safetensors);
    const other = await trainedTiny(wordModel);
    writeFileSync(join(dir, 'other.safetensors'), exportModule(other, { format: 'esm', weights: 'external' }).safetensors);
    const r = await runNode(
      dir,
      'ext-test.mjs',
      `import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
const text = ${JSON.stringify(TEXT)};
const out = {};
const inline = await import('./inline.mjs');
out.inline = inline.score(text).logProbs;
const ext = await import('./ext.mjs');
try { ext.score(text); } catch (e) { out.before = e.message; }
await ext.init({ weights: './ext.safetensors' });
out.path = ext.score(text).logProbs;
await ext.init({ weights: new URL('./ext.safetensors', import.meta.url) });
out.fileUrl = ext.score(text).logProbs;
const bytes = readFileSync('ext.safetensors');
await ext.init({ weights: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) });
out.bytes = ext.score(text).logProbs;
const server = createServer((req, res) => (req.url === '/w.safetensors' ? res.end(bytes) : ((res.statusCode = 404), res.end())));
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = 'http://127.0.0.1:' + server.address().port;
await ext.init({ weights: base + '/w.safetensors' });
out.http = ext.score(text).logProbs;
for (const [k, w] of [['missing', base + '/nope.safetensors'], ['noFile', './nope.safetensors'], ['other', './other.safetensors']]) {
  try { await ext.init({ weights: w }); } catch (e) { out[k] = e.message; }
}
server.close();
const cjs = createRequire(import.meta.url)('./ext.cjs');
cjs.initSync({ weights: 'ext.safetensors' });
out.cjs = cjs.score(text).logProbs;
console.log(JSON.stringify(out));
`,
    );
    expect(r.stderr).toBe('');
    const out = r.out as Record<string, (number | null)[] | string>;
    const ref = scoreText(model, TEXT).tokens.map((t) => t.ln);
    (out.inline as number[]).slice(1).forEach((lp, i) => expect(Math.abs(lp - ref[i + 1]!)).toBeLessThan(1e-5));
    for (const k of ['path', 'fileUrl', 'bytes', 'http', 'cjs']) expect(out[k]).toEqual(out.inline);
    expect(out.before).toMatch(/^CharLSTM: call init\(\{ weights \}\) first/);
    expect(out.missing).toMatch(/nope\.safetensors: HTTP 404/);
    expect(out.noFile).toBe('./nope.safetensors: no such file');
    expect(out.other).toMatch(/^\.\/other\.safetensors: (tensor '.*' has shape|no tensor)/);
    for (const k of ['before', 'missing', 'noFile', 'other']) expect(out[k]).not.toContain('\n');
  }, 120_000);
});

describe('an engine without WebAssembly', () => {
  it('runs the plain-JavaScript kernels, with the same numbers', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'model.mjs'), exportModule(model, { format: 'esm' }).code);
    const r = await runNode(
      dir,
      'no-wasm.mjs',
      `delete globalThis.WebAssembly;
const m = await import('./model.mjs');
const out = { kernels: m.info().kernels, lp: m.score(${JSON.stringify(TEXT)}).logProbs };
try { await m.init({ kernels: 'wasm' }); } catch (e) { out.wasm = e.message; }
console.log(JSON.stringify(out));`,
    );
    expect(r.stderr).toBe('');
    const out = r.out as { kernels: string; lp: (number | null)[]; wasm: string };
    expect(out.kernels).toBe('js');
    expect(out.wasm).toBe('this engine has no WebAssembly SIMD; use kernels: "js"');
    scoreText(model, TEXT).tokens.forEach((t, i) => i > 0 && expect(Math.abs(out.lp[i]! - t.ln!)).toBeLessThan(1e-5));
  }, 60_000);
});

describe('the score window', () => {
  it('changes only the speed: the state carries across windows, a last short window is padded', async () => {
    const dir = tempDir();
    const long = TEXT.repeat(3);
    for (const w of [1, 5, 7, 64]) writeFileSync(join(dir, `w${w}.mjs`), exportModule(model, { format: 'esm', window: w }).code);
    const r = await runNode(dir, 'windows.mjs', `const out = {};\nfor (const w of [1, 5, 7, 64]) out[w] = (await import('./w' + w + '.mjs')).score(${JSON.stringify(long)}).logProbs;\nconsole.log(JSON.stringify(out));`);
    expect(r.stderr).toBe('');
    const out = r.out as Record<string, (number | null)[]>;
    const ref = scoreText(model, long).tokens;
    expect(ref.length).toBeGreaterThan(64);
    for (const w of ['1', '5', '7', '64']) ref.forEach((t, i) => i > 0 && expect(Math.abs(out[w][i]! - t.ln!)).toBeLessThan(1e-5));
    expect(() => exportModule(model, { format: 'esm', window: 0 })).toThrow(/the score window must be an integer from 1 to 4096, not 0/);
  }, 60_000);
});

describe('CommonJS with inlined weights', () => {
  it('loads itself on first use, info() included', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'model.cjs'), exportModule(model, { format: 'cjs' }).code);
    const r = await runNode(dir, 'lazy.cjs', `const m = require('./model.cjs');\nconsole.log(JSON.stringify({ info: m.info(), text: m.decode(m.encode('the cat')) }));`);
    expect(r.stderr).toBe('');
    const out = r.out as { info: { name: string; kernels: string; vocab: string[]; vocabSize: number }; text: string };
    expect(out.info).toMatchObject({ name: 'CharLSTM', kernels: 'wasm-simd128', vocab: [...model.vocab!.tokens], vocabSize: model.layout.vocab });
    expect(out.text).toBe('the cat');
  }, 60_000);
});

describe('a model without a vocabulary (rnnc export MODEL.rnn --dims vocab=N)', () => {
  it('scores and samples token ids as the library, and says why it takes no text', async () => {
    const ids = compile(charModel, { dims: { vocab: 12, hidden: 16, embed: 8 } }).init(4);
    const dir = tempDir();
    writeFileSync(join(dir, 'ids.mjs'), exportModule(ids, { format: 'esm' }).code);
    const seq = [1, 5, 3, 3, 0, 11, 7, 2, 9, 4];
    const r = await runNode(
      dir,
      'ids-test.mjs',
      `const m = await import('./ids.mjs');
const out = { score: m.score(${JSON.stringify(seq)}), sample: m.sample({ prompt: [3, 4], length: 12, seed: 9 }) };
for (const [k, f] of [['encode', () => m.encode('abc')], ['step', () => m.step(12)], ['prompt', () => m.sample({ prompt: [-1] })]]) {
  try { f(); } catch (e) { out[k] = e.message; }
}
console.log(JSON.stringify(out));`,
    );
    expect(r.stderr).toBe('');
    const out = r.out as { score: { perplexity: number; tokens: string[] }; sample: { ids: number[]; text: null }; encode: string; step: string; prompt: string };
    const ref = ids.evaluate(Int32Array.from(seq), { batch: 1 });
    expect(Math.abs(out.score.perplexity - ref.perplexity) / ref.perplexity).toBeLessThan(1e-5);
    expect(out.score.tokens).toEqual(seq.map(String));
    expect(out.sample).toEqual({ ids: ids.sample({ prompt: [3, 4], length: 12, seed: 9 }).ids, text: null });
    expect(out.encode).toBe('CharLSTM was exported without a vocabulary: the module works on token ids only (export from a checkpoint, or with --data or --vocab, for text)');
    expect(out.step).toBe('token 12 is outside the vocabulary [0, 12)');
    expect(out.prompt).toBe('prompt token -1 is outside the vocabulary [0, 12)');
  }, 60_000);

  it('with a vocabulary, names the character it does not know, with its line and column', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'model.mjs'), exportModule(model, { format: 'esm' }).code);
    const r = await runNode(dir, 'unknown.mjs', `const m = await import('./model.mjs');\ntry { m.score('the cat\\nsat Zed'); } catch (e) { console.log(JSON.stringify(e.message)); }`);
    expect(r.out).toBe("text:2:5: character 'Z' (U+005A) is not in the vocabulary (" + model.vocab!.size + ' characters)');
  }, 60_000);
});

describe('a model with an adaptive softmax (its kernel in the module)', () => {
  it('scores and samples token ids as the library does', async () => {
    const ada = compile('test/codegen/models/adaptive.rnn', { dims: { vocab: 9 } }).init(6);
    const dir = tempDir();
    writeFileSync(join(dir, 'ada.mjs'), exportModule(ada, { format: 'esm' }).code);
    const seq = [1, 5, 3, 8, 0, 6, 7, 2, 4, 4];
    const r = await runNode(dir, 'ada-test.mjs', `const m = await import('./ada.mjs');
console.log(JSON.stringify({ score: m.score(${JSON.stringify(seq)}), sample: m.sample({ prompt: [3], length: 12, seed: 5 }) }));`);
    expect(r.stderr).toBe('');
    const out = r.out as { score: { perplexity: number }; sample: { ids: number[] } };
    const ref = ada.evaluate(Int32Array.from(seq), { batch: 1 });
    expect(Math.abs(out.score.perplexity - ref.perplexity) / ref.perplexity).toBeLessThan(1e-5);
    expect(out.sample.ids).toEqual(ada.sample({ prompt: [3], length: 12, seed: 5 }).ids);
  }, 60_000);
});
