// grammar/README.md's bi-encoder.rnn declares `both = 128` beside `hidden = 64`: its shapes
// need both = 2 * hidden. The gradient check used to draw every dim on its own, so almost
// every draw failed to check and `rnnc gradcheck bi-encoder.rnn` failed on every seed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/testing/gradcheck.ts';
import { readFromDisk, type ReadFile } from '../../src/syntax/load.ts';

// The model exactly as the README shows it.
const README = readFileSync('grammar/README.md', 'utf8');
const BI = /```rnn\n(# bi-encoder\.rnn\n[\s\S]*?)```/.exec(README)![1];
const readFile: ReadFile = (p) => (p === 'models/bi-encoder.rnn' ? BI : readFromDisk(p));

// Fresh seeds each run (printed on failure), plus the seeds that failed before the fix.
const fresh = Array.from({ length: 2 }, () => Math.floor(Math.random() * 2 ** 31));

describe('gradcheck draws dims that satisfy the shapes', () => {
  it('the README bi-encoder is what is checked', () => {
    expect(BI).toContain('both = 128');
    expect(BI).toContain('reverse LSTM');
  });

  it.each([1, 2, 3, ...fresh])('bi-encoder passes on seed %i', (seed) => {
    const report = checkGradients('models/bi-encoder.rnn', { runs: 2, seed, maxDim: 3, maxBatch: 2, maxWindow: 2, readFile });
    const r = report.results[0];
    const why = `seed ${seed}: ${r.error ?? JSON.stringify(r.counterexample)}`;
    expect(report.ok, why).toBe(true);
    expect(r.runs).toBe(2);
    expect(r.derived).toEqual(['both = 2*hidden']);
  });
});
