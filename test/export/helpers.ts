// What the export tests share: every shipped model trained a few steps on a tiny text, and
// a plain `node` process (no node_modules, no loader) that imports an exported module.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { buildVocab, compile, type LanguageModel } from '../../src/index.ts';
import { analyze } from '../../src/frontend.ts';

export const root = resolve(import.meta.dirname, '../..');

/** Every model file shipped in models/ (not the cells). */
export const SHIPPED = readdirSync(join(root, 'models')).filter((f) => f.endsWith('.rnn')).map((f) => join(root, 'models', f));

/** The shipped word models say so in their names (word-lstm.rnn, …); the others read characters. */
export const levelOf = (file: string): 'char' | 'word' => (basename(file).startsWith('word') ? 'word' : 'char');

/**
 * The vocabulary size a test binds for a model file: `small`, or for an adaptive softmax
 * (whose cutoffs are ranks in a real vocabulary, e.g. 2000 and 6000) its last cutoff + small.
 */
export function vocabFor(file: string, small: number): number {
  const ir = analyze(file, { dims: { vocab: 1_000_000 } }).models[0];
  for (const s of ir?.step ?? []) if (s.expr.op === 'adaptive_cross_entropy') return s.expr.cutoffs[s.expr.cutoffs.length - 1] + small;
  return small;
}

export const TINY = 'the cat sat on the mat .\nthe dog sat on the log .\na cat and a dog sat .\n'.repeat(8);

/** A shipped model with its own dims, trained a few steps on TINY (weights away from their init). */
export async function trainedTiny(file: string, seed = 1): Promise<LanguageModel> {
  const vocab = buildVocab(levelOf(file), TINY);
  const model = compile(file, { vocab }).init(seed);
  await model.train({ train: TINY }, { steps: 3, batch: 2, bptt: 8, lr: 1e-2, seed });
  return model;
}

export function tempDir(prefix = 'rnnc-export-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `script` with plain node in `dir` (which has no node_modules); its stdout parsed as JSON. */
export function runNode(dir: string, name: string, script: string): Promise<{ code: number; out: unknown; stderr: string }> {
  writeFileSync(join(dir, name), script);
  return new Promise((done) => {
    execFile(process.execPath, [name], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      let out: unknown = null;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = stdout;
      }
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, stderr });
    });
  });
}
