// The bundled models and corpus from any directory (src/cli/resolve-model.ts, wired into every
// command by src/cli/main.ts), and the build's precompiled grammar (src/util/grammar-recipe.ts).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync as mkdtemp, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ohm from 'ohm-js';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, resolveBundled } from '../../src/cli/resolve-model.ts';
import { compileGrammar } from '../../src/util/grammar-recipe.ts';

const root = resolve(import.meta.dirname, '../..');
const made: string[] = [];
const mkdtempSync = (prefix: string): string => {
  made.push(mkdtemp(prefix));
  return made.at(-1)!;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const elsewhere = mkdtempSync(join(tmpdir(), 'rnnc-resolve-'));

function rnnc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('node', [join(root, 'bin/rnnc.js'), ...args], { cwd: elsewhere, encoding: 'utf8' }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** resolveBundled run in `cwd`, with what it says. */
function resolveIn(cwd: string, arg: string, modelName = true): { path: string; said: string[] } {
  const said: string[] = [];
  const here = process.cwd();
  process.chdir(cwd);
  try {
    return { path: resolveBundled(arg, { modelName, say: (m) => said.push(m) }), said };
  } finally {
    process.chdir(here);
  }
}

describe('resolveBundled', () => {
  it('is the package root', () => {
    expect(resolve(PACKAGE_ROOT)).toBe(root);
  });

  it("prefers the user's file, silently", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnc-own-'));
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models/char-lstm.rnn'), '# mine\n');
    expect(resolveIn(dir, 'models/char-lstm.rnn')).toEqual({ path: 'models/char-lstm.rnn', said: [] });
    // A bare name finds the user's models/NAME.rnn before the package's, and says so.
    expect(resolveIn(dir, 'char-lstm')).toEqual({ path: join('models', 'char-lstm.rnn'), said: ['rnnc: char-lstm: using models/char-lstm.rnn'] });
  });

  it("falls back to the package's copy of a relative path or a bare model name", () => {
    const bundled = join(root, 'models/char-lstm.rnn');
    const note = (arg: string) => `rnnc: ${arg}: not in this directory; using ${bundled} (bundled with rnnc)`;
    expect(resolveIn(elsewhere, 'models/char-lstm.rnn')).toEqual({ path: bundled, said: [note('models/char-lstm.rnn')] });
    expect(resolveIn(elsewhere, 'char-lstm')).toEqual({ path: bundled, said: [note('char-lstm')] });
    expect(resolveIn(elsewhere, 'cells/lstm').path).toBe(join(root, 'models/cells/lstm.rnn'));
    expect(resolveIn(elsewhere, 'data/tinyshakespeare/input.txt', false).path).toBe(join(root, 'data/tinyshakespeare/input.txt'));
  });

  it('leaves alone what the package does not have: missing files, directories, paths climbing out, corpus names as models', () => {
    for (const arg of ['nope.rnn', 'nope', 'models', 'data', '../pkg/models/char-lstm.rnn', join(elsewhere, 'x.rnn')]) expect(resolveIn(elsewhere, arg), arg).toEqual({ path: arg, said: [] });
    expect(resolveIn(elsewhere, 'char-lstm', false)).toEqual({ path: 'char-lstm', said: [] });
  });
});

describe.concurrent('the CLI from a directory without models/', () => {
  const note = (arg: string, file: string) => `rnnc: ${arg}: not in this directory; using ${join(root, file)} (bundled with rnnc)\n`;

  it('check and compile take bundled models by name or path', async () => {
    const check = await rnnc('check', 'char-lstm', 'models/cells/lstm.rnn');
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toBe(note('char-lstm', 'models/char-lstm.rnn') + note('models/cells/lstm.rnn', 'models/cells/lstm.rnn'));
    expect(check.stdout).toContain('total: 321*vocab + 854016 parameters');
    const compile = await rnnc('compile', 'cells/elman', '--emit', 'js', '-o', join(elsewhere, 'elman.mjs'));
    expect(compile.code, compile.stderr).toBe(0);
    expect(compile.stderr).toContain(note('cells/elman', 'models/cells/elman.rnn'));
  });

  it('gradcheck takes a bundled cell file', async () => {
    const r = await rnnc('gradcheck', 'cells/elman', '--runs', '2', '--seed', '1');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe(note('cells/elman', 'models/cells/elman.rnn'));
    expect(r.stdout).toContain('gradients ok');
  });

  it('train takes a bundled model and a bundled corpus path; a missing model and an ARPA model stay one-line errors', async () => {
    const r = await rnnc('train', 'char-lstm', '--data', 'data/tinyshakespeare/input.txt', '--split', '0.999', '--steps', '2', '--dims', 'embed=4,hidden=4', '--batch', '2', '--bptt', '4', '--sample', '0', '--out', join(elsewhere, 'run'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(note('char-lstm', 'models/char-lstm.rnn') + note('data/tinyshakespeare/input.txt', 'data/tinyshakespeare/input.txt'));
    // Only arguments that name a .rnn file: `rnnc ngram eval`'s <model> is an ARPA file.
    writeFileSync(join(elsewhere, 'text.txt'), 'a b\n');
    const arpa = await rnnc('ngram', 'eval', 'char-lstm', '--data', 'text.txt');
    expect(arpa.code).toBe(1);
    expect(arpa.stderr).toBe('error: char-lstm: no such file\n');
    const missing = await rnnc('train', 'no-such-model', '--steps', '1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*no-such-model/);
  });
});

describe('the precompiled grammar', () => {
  const text = readFileSync(join(root, 'grammar/rnn.ohm'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-recipe-'));
  const model = readFileSync(join(root, 'models/char-lstm.rnn'), 'utf8');
  // Ohm has toRecipe (its bundles use it) but does not declare it.
  const recipeOf = (g: ohm.Grammar): unknown => JSON.parse((g as unknown as { toRecipe(): string }).toRecipe());
  const trace = (g: ohm.Grammar, input: string) => {
    const m = g.match(input);
    return m.failed() ? `${m.getRightmostFailurePosition()}: ${m.getExpectedText()}` : 'ok';
  };

  it('is the same grammar as the text it was made from, on good and bad input', () => {
    const recipe = join(dir, 'same.json');
    writeFileSync(recipe, JSON.stringify({ grammar: text, recipe: recipeOf(ohm.grammar(text)) }));
    const fromRecipe = compileGrammar(text, new URL(`file://${recipe}`));
    const fromText = ohm.grammar(text);
    for (const input of [model, model.replace('@', '@@'), 'model M {\n  dim vocab\n  loss\n}\n', '']) expect(trace(fromRecipe, input)).toBe(trace(fromText, input));
  });

  it('is not used once grammar/rnn.ohm changes', () => {
    // A recipe of another grammar, saved as if for this text's predecessor.
    const recipe = join(dir, 'stale.json');
    writeFileSync(recipe, JSON.stringify({ grammar: text + '\n', recipe: recipeOf(ohm.grammar('G { start = "x" }')) }));
    expect(trace(compileGrammar(text, new URL(`file://${recipe}`)), model)).toBe('ok');
    expect(trace(compileGrammar(text + '\n', new URL(`file://${recipe}`)), 'x')).toBe('ok'); // the recipe, when it matches
  });
});
