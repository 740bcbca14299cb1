// `rnnc export` as a user runs it: from a checkpoint of `rnnc train` (the module samples what
// `rnnc sample --seed` prints and scores what `rnnc score` reports), from a model file with
// --seed (the weights `rnnc train` starts from), its .d.ts accepted by tsc, and one-line
// errors for what the user got wrong.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCharVocab, compile, exportModule, loadCheckpoint } from '../../src/index.ts';
import { declarationsPath } from '../../src/cli/export.ts';
import { scoreText } from '../../src/runtime/score.ts';
import { root, runNode, tempDir, TINY } from './helpers.ts';
import { randomWindow, runOrt, runRnnc, worstDifference } from './onnx-helpers.ts';

function rnnc(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/rnnc.js'), ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const PROMPT = 'the ';
let dir: string;
beforeAll(async () => {
  dir = tempDir('rnnc-export-cli-');
  writeFileSync(join(dir, 'tiny.txt'), TINY);
  const t = await rnnc(dir, 'train', join(root, 'models/char-lstm.rnn'), '--data', 'tiny.txt', '--steps', '3', '--batch', '2', '--bptt', '8', '--out', 'ck', '--sample', '0');
  expect(t.code, t.stderr).toBe(0);
}, 120_000);

describe('rnnc export CKPT', () => {
  it('writes a module and its declarations that sample as rnnc sample and score as the library', async () => {
    const r = await rnnc(dir, 'export', 'ck', '--format', 'esm', '-o', 'char.mjs');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote char\.mjs \([\d.]+ MB: CharLSTM, [\d,]+ parameters, weights inlined from ck\), char\.d\.mts\n$/);
    expect(existsSync(join(dir, 'char.d.mts'))).toBe(true);
    const s = await rnnc(dir, 'sample', 'ck', '--prompt', PROMPT, '--length', '60', '--temperature', '0.8', '--top-k', '5', '--seed', '7');
    expect(s.code).toBe(0);
    const m = await runNode(dir, 'use.mjs', `const m = await import('./char.mjs');
console.log(JSON.stringify({ text: m.sample({ prompt: ${JSON.stringify(PROMPT)}, length: 60, temperature: 0.8, topK: 5, seed: 7 }).text, lp: m.score(${JSON.stringify(TINY.slice(0, 60))}).logProbs }));`);
    const out = m.out as { text: string; lp: (number | null)[] };
    // rnnc sample prints the prompt, the sample and a newline.
    expect(PROMPT + out.text + (out.text.endsWith('\n') ? '' : '\n')).toBe(s.stdout);
    const ref = scoreText(loadCheckpoint(join(dir, 'ck'), { optimizer: false }).model, TINY.slice(0, 60)).tokens;
    ref.forEach((t, i) => i > 0 && expect(Math.abs(out.lp[i]! - t.ln!)).toBeLessThan(1e-5));
  }, 120_000);

  it('writes declarations that type-check a caller (tsc)', async () => {
    const r = await rnnc(dir, 'export', 'ck', '--format', 'cjs', '--weights', 'external', '-o', 'ext.cjs');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ext.d.cts, ext.safetensors');
    // An ES module beside it, written by the library with the declarations' name the command gives them.
    const esm = exportModule(loadCheckpoint(join(dir, 'ck'), { optimizer: false }).model, { format: 'esm' });
    writeFileSync(join(dir, 'types.mjs'), esm.code);
    writeFileSync(join(dir, declarationsPath('types.mjs')), esm.dts);
    writeFileSync(join(dir, 'caller.mts'), `import { initSync, step, score, sample } from './types.mjs';
import * as ext from './ext.cjs';
initSync();
const { logProbs, state } = step('t');
const next: Float64Array = step(3, state).logProbs;
const p: number = score('the cat').perplexity;
const t: string | null = sample({ seed: 1, length: 5 }).text;
ext.initSync({ weights: 'ext.safetensors', kernels: 'js' });
console.log(logProbs.length, next.length, p, t);
`);
    writeFileSync(join(dir, 'bad.mts'), `import { sample } from './types.mjs';\nsample({ temprature: 2 });\n`);
    const tsc = (files: string) => new Promise<{ code: number; out: string }>((done) =>
      execFile(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), ...files.split(' ')], { cwd: dir, encoding: 'utf8' }, (err, stdout) =>
        done({ code: err ? 1 : 0, out: stdout }),
      ),
    );
    // One run over both files: errors in bad.mts only (a misspelt option), none in caller.mts.
    const out = (await tsc('caller.mts bad.mts')).out;
    expect(out).toMatch(/^bad\.mts\(2,\d+\): error TS\d+: .*temprature/m);
    expect(out).not.toContain('caller.mts');
  }, 120_000);
});

describe('rnnc export CKPT --format onnx', () => {
  it('writes an ONNX model that ONNX Runtime runs to the checkpoint\'s numbers', async () => {
    const r = await rnnc(dir, 'export', 'ck', '--format', 'onnx', '-o', 'char.onnx');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote char\.onnx \(\d+ bytes\): model CharLSTM, \d+ parameters as initializers\n  inputs:  tokens \[T, B\] int64, h1\.h \[B, 256\]/);
    const model = loadCheckpoint(join(dir, 'ck'), { optimizer: false }).model;
    let seed = 3;
    const w = randomWindow(model, 5, 2, () => (seed = (seed * 16807) % 2147483647) / 2147483647);
    const { worst, where } = worstDifference(runRnnc(model, w), await runOrt(readFileSync(join(dir, 'char.onnx')), model, w));
    expect(worst, where).toBeLessThan(1e-5);
  }, 120_000);
});

describe('rnnc export MODEL.rnn', () => {
  it('inlines the weights rnnc train starts from with --seed, and the vocabulary of --data', async () => {
    const r = await rnnc(dir, 'export', join(root, 'models/char-lstm.rnn'), '--seed', '5', '--data', 'tiny.txt', '-o', 'init.mjs');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('initialised with seed 5');
    const model = compile(join(root, 'models/char-lstm.rnn'), { vocab: buildCharVocab(TINY) }).init(5);
    const m = await runNode(dir, 'init.mjs.test.mjs', `const m = await import('./init.mjs');\nconsole.log(JSON.stringify(m.score(${JSON.stringify(TINY.slice(0, 40))}).logProbs));`);
    const ref = scoreText(model, TINY.slice(0, 40)).tokens;
    const lp = m.out as (number | null)[];
    ref.forEach((t, i) => i > 0 && expect(Math.abs(lp[i]! - t.ln!)).toBeLessThan(1e-5));
    // Another seed, other weights: the seed is what decides them.
    const other = compile(join(root, 'models/char-lstm.rnn'), { vocab: buildCharVocab(TINY) }).init(6);
    expect(scoreText(other, TINY.slice(0, 40)).tokens.some((t, i) => i > 0 && Math.abs(t.ln! - lp[i]!) > 1e-3)).toBe(true);
  }, 120_000);
});

describe('errors', () => {
  it('are one line each, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['export', 'nope'], /^error: nope: no such checkpoint directory or model file$/],
      [['export', 'ck', '--format', 'umd'], /^error: --format must be esm, cjs or onnx, not "umd"$/],
      [['export', 'ck', '--weights', 'somewhere'], /^error: --weights must be inline or external, not "somewhere"$/],
      [['export', 'tiny.txt'], /^error: tiny\.txt: neither a checkpoint directory nor a \.rnn model file$/],
      [['export', join(root, 'models/char-lstm.rnn'), '--vocab', 'missing.json'], /^error: missing\.json: no such file$/],
      [['export', 'ck', '-o', 'nodir/x.mjs'], /^error: nodir\/x\.mjs: cannot write \(no such directory\)$/],
    ];
    for (const [args, message] of cases) {
      const r = await rnnc(dir, ...args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(join(dir, 'tiny.txt'), 'utf8')).toBe(TINY);
  }, 120_000);
});
