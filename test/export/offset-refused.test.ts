// Offset lookups (E[token@-k]) read a token history that both the ONNX and the PyTorch export
// now carry, so neither refuses such a model any longer: on the command line each writes it
// (the ONNX graph with the history as an int64 input and output, model.py with it as the state
// token@history). Their numbers are checked against rnnc in onnx-history.test.ts and
// torch-history.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rnnc } from '../e2e/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-offset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['models/window-lm.rnn', 'models/char-window-lm.rnn', 'models/cbow.rnn'])('%s', (file) => {
  it('rnnc export --format onnx writes it, the token history an int64 input and output', async () => {
    const out = join(dir, `${file.replace(/\W/g, '_')}.onnx`);
    const r = await rnnc('export', file, '--format', 'onnx', '-o', out, '--dims', 'vocab=11');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(r.stdout).toMatch(/inputs: .*, token@history \[B, \d\] int64\n  outputs: .*, token@history' \[B, \d\] int64/);
  });

  it('rnnc export --format torch writes it, the token history a carried state', async () => {
    const out = join(dir, `torch-${file.replace(/\W/g, '_')}`);
    const r = await rnnc('export', file, '--format', 'torch', '-o', out, '--dims', 'vocab=11');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'model.py'), 'utf8')).toMatch(/^STATES = \{.*"token@history": \(\d,\)\}$/m);
    expect(existsSync(join(out, 'train.py'))).toBe(true);
  });
});
