// Skip-gram's loss over context positions (token@-2 … token@+2) is not a next-token model,
// but it reads only the window and the token history, which both the ONNX and the PyTorch
// export now carry: on the command line each writes it (checked against rnnc in
// onnx-history.test.ts and torch-history.test.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rnnc } from '../e2e/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = 'models/skipgram.rnn';

describe(file, () => {
  it('rnnc export --format onnx writes it, the token history an int64 input and output', async () => {
    const out = join(dir, 'skipgram.onnx');
    const r = await rnnc('export', file, '--format', 'onnx', '-o', out, '--dims', 'vocab=11');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(r.stdout).toContain(", token@history [B, 4] int64\n  outputs: log_probs [T, B, 11], token@history' [B, 4] int64");
  });

  it('rnnc export --format torch writes it, its four context targets read through the carried history', async () => {
    const out = join(dir, 'torch');
    const r = await rnnc('export', file, '--format', 'torch', '-o', out, '--dims', 'vocab=11');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const code = readFileSync(join(out, 'model.py'), 'utf8');
    expect(code).toContain('STATES = {"token@history": (4,)}');
    expect(code).toContain('TARGETS = [-4, -3, -1, 0]');
  });
});
