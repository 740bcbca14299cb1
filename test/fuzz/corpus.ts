// The fuzzer's corpus: every .rnn file of models/ and models/cells/ by repository-relative
// path, a reader that serves a case's text for its root and the real files for its `use`s,
// and the tokenizer the mutator works on.
import { readFileSync, readdirSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalyzeOptions } from '../../src/frontend.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const MODEL_DIRS = ['models', 'models/cells'];
export const FILES = new Map<string, string>();
for (const dir of MODEL_DIRS) {
  for (const name of readdirSync(join(REPO, dir)).sort()) {
    if (name.endsWith('.rnn')) FILES.set(normalize(`${dir}/${name}`), readFileSync(join(REPO, dir, name), 'utf8'));
  }
}
export const PATHS = [...FILES.keys()];

/** Serves `text` for the root and the real model files for imports; anything else is missing. */
export function reader(root: string, text: string): NonNullable<AnalyzeOptions['readFile']> {
  return (path) => {
    if (path === root) return text;
    const real = FILES.get(path);
    if (real !== undefined) return real;
    if (MODEL_DIRS.includes(path)) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  };
}

/** Identifiers, numbers, strings, comments, whitespace runs, and single punctuation (with `->` and `^T`). */
export function tokenize(text: string): string[] {
  return text.match(/\s+|#[^\n]*|"[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+|->|\^T|[^]/g) ?? [];
}

export const TOKENS = new Map(PATHS.map((p) => [p, tokenize(FILES.get(p)!)]));
