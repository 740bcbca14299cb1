// What `rnnc gradcheck` prints about the two ways it used to cry wolf: the dims it computes
// from the drawn ones (bi-encoder's both = 2*hidden), and the stencils that crossed a kink.
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-gradcheck-e2e-'));
cpSync('models/cells', join(dir, 'cells'), { recursive: true });
const bi = join(dir, 'bi-encoder.rnn');
writeFileSync(bi, /```rnn\n(# bi-encoder\.rnn\n[\s\S]*?)```/.exec(readFileSync('grammar/README.md', 'utf8'))![1]);
const relu = join(dir, 'relu.rnn');
writeFileSync(relu, "cell ReluRNN(x: [in]) -> h: [hidden] {\n  param W: [hidden, in]\n  param U: [hidden, hidden]\n  param b: [hidden]\n  h' = relu(W @ x + U @ h + b)\n}\n");

describe.concurrent('rnnc gradcheck report', () => {
  it('the README bi-encoder passes and says which dims it computed', async () => {
    const r = await rnnc('gradcheck', bi, '--runs', '3', '--seed', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  dims fixed by the shapes, computed from the drawn ones: both = 2*hidden\n');
    expect(r.stdout).toMatch(/\ngradients ok \(/);
  });

  it('a relu cell on seed 18 (it used to fail) passes and says it met a kink', async () => {
    const r = await rnnc('gradcheck', relu, '--runs', '10', '--seed', '18');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n {2}near a kink of relu: measured \d+ entr(y|ies) again with a smaller step( and redrew \d+ cases?)? \(a stencil across it measures neither side's slope\)\n/);
  });
});
