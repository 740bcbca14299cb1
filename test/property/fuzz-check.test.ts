// Fuzzing the whole front end: random text and token-level mutations of the real models
// go through analyze(); every case must end in diagnostics or success, never an uncaught
// exception, within a second. `npm test` runs 500 cases; `npm run fuzz` runs 10,000
// (RNNC_FUZZ_RUNS). A failure prints fast-check's seed and shrunk counterexample; replay
// it with RNNC_FUZZ_SEED=<seed>.
import { readFileSync, readdirSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics, type AnalyzeOptions } from '../../src/frontend.ts';
import { formatIR, irToJSON } from '../../src/ir/print.ts';
import { BUILTINS, INITS } from '../../src/check/builtins.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

const TOTAL_RUNS = positiveInt('RNNC_FUZZ_RUNS', 500);
const SEED = process.env.RNNC_FUZZ_SEED ? Number(process.env.RNNC_FUZZ_SEED) : undefined;
if (SEED !== undefined && !Number.isInteger(SEED)) throw new Error(`RNNC_FUZZ_SEED must be an integer, got "${process.env.RNNC_FUZZ_SEED}"`);

// The runs are split across the generators; the shares add up to TOTAL_RUNS exactly.
const RUNS_ANY = Math.max(1, Math.round(TOTAL_RUNS * 0.1));
const RUNS_GRAMMARISH = Math.max(1, Math.round(TOTAL_RUNS * 0.3));
const RUNS_MUTATED = Math.max(1, TOTAL_RUNS - RUNS_ANY - RUNS_GRAMMARISH);

/** Per-case budget, and a generous per-test timeout that grows with the number of runs. */
const CASE_BUDGET_MS = 1000;
const testTimeout = (runs: number): number => Math.max(60_000, runs * 100);

const params = (numRuns: number): fc.Parameters<unknown> => (SEED === undefined ? { numRuns } : { numRuns, seed: SEED });

// ---- the corpus: every .rnn file of models/ and models/cells/, by repository-relative path ----

const MODEL_DIRS = ['models', 'models/cells'];
const FILES = new Map<string, string>();
for (const dir of MODEL_DIRS) {
  for (const name of readdirSync(join(REPO, dir)).sort()) {
    if (name.endsWith('.rnn')) FILES.set(normalize(`${dir}/${name}`), readFileSync(join(REPO, dir, name), 'utf8'));
  }
}
const PATHS = [...FILES.keys()];

/** Serves `text` for the root and the real model files for imports; anything else is missing. */
function reader(root: string, text: string): NonNullable<AnalyzeOptions['readFile']> {
  return (path) => {
    if (path === root) return text;
    const real = FILES.get(path);
    if (real !== undefined) return real;
    if (MODEL_DIRS.includes(path)) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  };
}

// ---- tokens ----

const KEYWORDS = ['cell', 'model', 'use', 'param', 'gate', 'dim', 'loss', 'init', 'reverse'];
const NAMES = [...BUILTINS.keys(), ...INITS.keys(), 'token', 'next', 'vocab', 'hidden', 'embed', 'in', 'LSTM', 'GRU', 'Elman', 'MGU', 'PeepholeLSTM', 'x', 'h', 'c'];
const PUNCT = ['[', ']', '(', ')', '{', '}', '@', '+', '-', '*', '/', '=', ':', ',', "'", '^T', '^', '->', '#', '"', '.', '\n', ' '];
const NUMBERS = ['0', '1', '2', '-1', '0.5', '1e3', '.5', '1e400', '99999999999999999999', '256'];
const STRINGS = ['"cells/lstm.rnn"', '"cells/gru.rnn"', '"lstm.rnn"', '"../char-lstm.rnn"', '"char-lstm.rnn"', '"cells"', '"nope.rnn"', '""'];
/** What a replacement may draw from besides the file's own tokens. */
const POOL = [...KEYWORDS, ...NAMES, ...PUNCT, ...NUMBERS, ...STRINGS];

/** Identifiers, numbers, strings, comments, whitespace runs, and single punctuation (with `->` and `^T`). */
export function tokenize(text: string): string[] {
  return text.match(/\s+|#[^\n]*|"[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+|->|\^T|[^]/g) ?? [];
}

const TOKENS = new Map(PATHS.map((p) => [p, tokenize(FILES.get(p)!)]));

type Mutation = { op: 'delete' | 'duplicate' | 'swap' | 'replace'; at: number; other: number; fromPool: boolean };

/** Applies the mutations in order; positions are taken modulo the current token count. */
function mutate(tokens: readonly string[], own: readonly string[], muts: readonly Mutation[]): string {
  const t = [...tokens];
  for (const m of muts) {
    if (t.length === 0) break;
    const i = m.at % t.length;
    const j = m.other % t.length;
    switch (m.op) {
      case 'delete':
        t.splice(i, 1);
        break;
      case 'duplicate':
        t.splice(i, 0, t[i]);
        break;
      case 'swap':
        [t[i], t[j]] = [t[j], t[i]];
        break;
      case 'replace':
        t[i] = m.fromPool ? POOL[m.other % POOL.length] : own[m.other % own.length];
        break;
    }
  }
  return t.join('');
}

// ---- the property every case must satisfy ----

const DIMS: (AnalyzeOptions['dims'] | undefined)[] = [undefined, { vocab: 65 }, { vocab: 1, hidden: 3, embed: 2 }, new Map([['vocab', 10_000], ['in', 7]])];

/** Runs the front end on one input; throws (failing the property) if anything goes wrong. */
function frontEndHandles(root: string, text: string, dims: AnalyzeOptions['dims'] | undefined): void {
  const t0 = performance.now();
  const a = analyze(root, { readFile: reader(root, text), dims });
  const rendered = renderDiagnostics(a);
  const hasError = a.diagnostics.some((d) => d.severity === 'error');
  expect(a.ok).toBe(!hasError);
  expect(rendered).toHaveLength(a.diagnostics.length);
  for (const d of a.diagnostics) {
    expect(typeof d.code).toBe('string');
    expect(d.message.length).toBeGreaterThan(0);
    // A span points into a file that was read, within its text.
    if (d.span) {
      const src = a.sources.get(d.span.file);
      expect(src, `diagnostic ${d.code} points at a file that was not read: ${d.span.file}`).toBeDefined();
      expect(0 <= d.span.start && d.span.start <= d.span.end && d.span.end <= src!.text.length, `span ${d.span.start}..${d.span.end} of ${d.code} outside ${d.span.file} (${src!.text.length} chars)`).toBe(true);
    }
  }
  if (a.ok) {
    for (const m of a.models) {
      expect(formatIR(m).length).toBeGreaterThan(0);
      expect(() => JSON.parse(irToJSON(m))).not.toThrow();
    }
  } else {
    expect(a.models).toEqual([]);
  }
  const elapsed = performance.now() - t0;
  expect(elapsed, `case took ${elapsed.toFixed(0)} ms`).toBeLessThan(CASE_BUDGET_MS);
}

const dimsArb = fc.constantFrom(...DIMS);

const GRAMMARISH_CHARS = [...'abcxyzEWhTU_019.', ...`[]()@+-*/=:,'#"{}^`, ' ', ' ', '\n', '\t'];
const grammarishUnit = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...GRAMMARISH_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom(...KEYWORDS.map((k) => ` ${k} `), ...NAMES, '->', '^T', ' = ', "h'") },
);

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete', 'duplicate', 'swap', 'replace'),
  at: fc.nat(),
  other: fc.nat(),
  fromPool: fc.boolean(),
});

describe('front-end fuzzing', () => {
  beforeAll(() => {
    // Compile the grammar and warm the JIT so that the per-case budget measures the case.
    for (const p of PATHS) analyze(p, { readFile: reader(p, FILES.get(p)!) });
  });

  it('the corpus itself is clean', () => {
    for (const p of PATHS) {
      const a = analyze(p, { readFile: reader(p, FILES.get(p)!), dims: { vocab: 65 } });
      expect(renderDiagnostics(a), p).toEqual([]);
      expect(a.ok).toBe(true);
    }
  });

  it(
    `handles arbitrary strings (${RUNS_ANY} runs)`,
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 200 })), dimsArb, (text, dims) => frontEndHandles('fuzz.rnn', text, dims)),
        params(RUNS_ANY),
      );
    },
    testTimeout(RUNS_ANY),
  );

  it(
    `handles grammar-ish strings (${RUNS_GRAMMARISH} runs)`,
    () => {
      fc.assert(
        fc.property(
          fc.string({ unit: grammarishUnit, maxLength: 300 }),
          fc.constantFrom('fuzz.rnn', 'models/fuzz.rnn'),
          dimsArb,
          (text, root, dims) => frontEndHandles(root, text, dims),
        ),
        params(RUNS_GRAMMARISH),
      );
    },
    testTimeout(RUNS_GRAMMARISH),
  );

  it(
    `handles token-level mutations of models/ and models/cells/ (${RUNS_MUTATED} runs)`,
    () => {
      fc.assert(
        fc.property(fc.constantFrom(...PATHS), fc.array(mutationArb, { minLength: 1, maxLength: 8 }), dimsArb, (path, muts, dims) => {
          const own = TOKENS.get(path)!;
          frontEndHandles(path, mutate(own, own, muts), dims);
        }),
        params(RUNS_MUTATED),
      );
    },
    testTimeout(RUNS_MUTATED),
  );

  it('the run count is wired to RNNC_FUZZ_RUNS and `npm run fuzz` sets it', () => {
    expect(RUNS_ANY + RUNS_GRAMMARISH + RUNS_MUTATED).toBe(Math.max(TOTAL_RUNS, 3));
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.fuzz).toMatch(/\bRNNC_FUZZ_RUNS=10000\b/);
    expect(pkg.scripts.fuzz).toContain('test/property/fuzz-check.test.ts');
  });
});

describe('tokenize (used by the mutator)', () => {
  it('round-trips every corpus file', () => {
    for (const p of PATHS) expect(TOKENS.get(p)!.join('')).toBe(FILES.get(p));
  });

  it('splits identifiers, numbers, punctuation, strings and comments', () => {
    expect(tokenize(`use "a.rnn"\nh' = W_1 @ x^T + 1.5e-3 # c`)).toEqual(['use', ' ', '"a.rnn"', '\n', 'h', "'", ' ', '=', ' ', 'W_1', ' ', '@', ' ', 'x', '^T', ' ', '+', ' ', '1.5e-3', ' ', '# c']);
  });
});
