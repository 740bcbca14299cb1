// Fuzzing the front end and the code generator (test/fuzz/): generated cases — mutations of
// the shipped models, grammar-aware models with hostile names, deep nesting, huge numbers,
// odd bytes, large files, grammar-ish soup, arbitrary text — go through analyze(), which must
// end in diagnostics or a model, never throw, within a time bound; those that check compile
// and run one training window, or are refused with a user error. `npm test` runs a few
// hundred cases; `npm run fuzz` runs RNNC_FUZZ_RUNS of them on RNNC_FUZZ_WORKERS threads.
// A run prints its seed and a summary line; each failure class prints its shortest case,
// replayed with RNNC_FUZZ_SEED=<seed> RNNC_FUZZ_CASE=<index>.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { FILES, PATHS, REPO, TOKENS, reader, tokenize } from '../fuzz/corpus.ts';
import { generateCase } from '../fuzz/generate.ts';
import { runPool, type Summary } from '../fuzz/pool.ts';
import { runCase } from '../fuzz/run-case.ts';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

const RUNS = positiveInt('RNNC_FUZZ_RUNS', 300);
const SEED = positiveInt('RNNC_FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
const WORKERS = positiveInt('RNNC_FUZZ_WORKERS', RUNS >= 5000 ? 2 : 1);
const REPLAY = process.env.RNNC_FUZZ_CASE;
/** Per-case bounds: analyze within BUDGET_MS (and 5 µs a character: a large file may take longer), no hang past HANG_MS. */
const BUDGET_MS = positiveInt('RNNC_FUZZ_BUDGET_MS', 10_000);
const HANG_MS = 20_000;

export function summaryLine(s: Summary): string {
  return (
    `fuzz: ${s.cases} cases (seed ${s.seed}) in ${s.seconds.toFixed(1)} s: ${s.checked} checked ok, ${s.diagnostics} diagnostics, ` +
    `${s.trained} compiled+trained (${s.refused} refused as user errors, ${s.big} too big to run), ` +
    `${s.failures - s.hangs} internal errors, ${s.hangs} hangs; slowest case ${s.slowestMs.toFixed(0)} ms`
  );
}

describe('fuzzing the front end and the code generator', () => {
  it('the corpus itself is clean', () => {
    for (const p of PATHS) {
      const a = analyze(p, { readFile: reader(p, FILES.get(p)!), dims: { vocab: 65 } });
      expect(renderDiagnostics(a), p).toEqual([]);
      expect(a.ok).toBe(true);
    }
  });

  it('cases are a function of (seed, index), and every kind occurs', () => {
    expect(generateCase(7, 123)).toEqual(generateCase(7, 123));
    const kinds = new Set(Array.from({ length: 3000 }, (_, i) => generateCase(1, i).kind));
    expect([...kinds].sort()).toEqual(['arbitrary', 'deep', 'grammar', 'large', 'mutate', 'odd', 'soup']);
  });

  it.runIf(REPLAY !== undefined)(`replays case ${REPLAY} of seed ${SEED}`, () => {
    const c = generateCase(SEED, Number(REPLAY));
    console.log(JSON.stringify(c, null, 1));
    const out = runCase(c, { train: true, float32: true, budgetMs: BUDGET_MS });
    console.log(out);
    expect(out.failure).toBeUndefined();
  });

  it.runIf(REPLAY === undefined && RUNS > 0)(
    `${RUNS} generated cases: no internal error, no hang`,
    async () => {
      const s = await runPool({ seed: SEED, count: RUNS, workers: WORKERS, train: true, budgetMs: BUDGET_MS, hangMs: HANG_MS, float32Cases: 200, onProgress: (n) => RUNS >= 10_000 && n % 10_000 === 0 && console.log(`fuzz: ${n} cases…`) });
      const report = [summaryLine(s)];
      for (const c of s.classes) {
        const text = c.example.text.length > 400 ? `${JSON.stringify(c.example.text.slice(0, 400))}… (${c.example.text.length} chars)` : JSON.stringify(c.example.text);
        report.push(`  ${c.count} × ${c.class}\n    e.g. case ${c.example.index} (${c.example.kind}; RNNC_FUZZ_SEED=${s.seed} RNNC_FUZZ_CASE=${c.example.index}): ${c.example.message.split('\n')[0]}\n    ${text}`);
      }
      console.log(report.join('\n'));
      expect(s.cases).toBe(RUNS);
      expect(s.classes.map((c) => `${c.count} × ${c.class}`)).toEqual([]);
      // The sample reaches the code generator, not only the front end.
      if (RUNS >= 300) expect(s.trained).toBeGreaterThan(RUNS / 50);
    },
    Math.max(120_000, RUNS * 100),
  );

  it('`npm run fuzz` runs this file with RNNC_FUZZ_RUNS set', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.fuzz).toMatch(/\bRNNC_FUZZ_RUNS=\d+\b/);
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
