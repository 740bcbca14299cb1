// The CLI as a user runs it: a real process, real files, exit codes and output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';

describe.concurrent('rnnc CLI', () => {
  it('check models/*.rnn --dims vocab=65 exits 0 and prints parameter counts', async () => {
    const r = await rnnc('check', 'models/char-lstm.rnn', 'models/word-lstm.rnn', 'models/word-lstm-tied.rnn', 'models/cells/lstm.rnn', '--dims', 'vocab=65');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('model CharLSTM (models/char-lstm.rnn)');
    expect(r.stdout).toContain('total: 874,881 parameters');
    expect(r.stdout).toContain('total: 669,265 parameters'); // word-lstm at vocab 65 (two biases per gate)
    expect(r.stdout).toContain('total: 656,265 parameters'); // tied
    expect(r.stdout).toContain('cell LSTM(x: [in]) -> (h: [hidden], c: [hidden])');
    expect(r.stdout).toMatch(/checked 4 files: 0 errors, 0 warnings\n$/);
  });

  it('reports every error of a file with caret and hint, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnc-e2e-'));
    const file = join(dir, 'bad.rnn');
    writeFileSync(
      file,
      `cell C(x: [n]) -> h: [m] {
  param W: [m, n]
  param Z: [m]
  h' = tanh(W @ h)
}
model M {
  dim vocab, d = 4
  param E: [vocab, d]
  h = C(E[token], m = d)
  loss cross_entropy(E @ h, nxt)
}
`,
    );
    const r = await rnnc('check', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:4:13: error: cannot multiply W: [m, n] by h: [m]: n ≠ m\n 4 |   h' = tanh(W @ h)\n   |             ^^^^^`);
    expect(r.stderr).toContain(`${file}:3:9: warning: param 'Z' is never used`);
    expect(r.stderr).toContain("unknown name 'nxt' in model M\n");
    expect(r.stderr).toContain("hint: did you mean 'next'?");
    expect(r.stdout).toContain('checked 1 file: 3 errors, 1 warning');
  });

  it('warnings alone exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnc-e2e-'));
    const file = join(dir, 'warn.rnn');
    writeFileSync(file, `use "${process.cwd()}/models/cells/elman.rnn"\nmodel M {\n  dim vocab\n  param E: [vocab, 3]\n  param unused: [3]\n  h = Elman(E[token], hidden = 3)\n  loss cross_entropy(E @ h, next)\n}\n`);
    const r = await rnnc('check', file, '--dims', 'vocab=5');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: param 'unused' is never used");
  });

  it('usage errors exit 2 with a one-line message; help exits 0', async () => {
    const bad = await rnnc('check', 'models/char-lstm.rnn', '--dims', 'vocab=0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('dim vocab must be a positive integer');
    const typo = await rnnc('chek');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean check?');
    const help = await rnnc('check', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--dims <name=value,...>');
  });

  it('a missing file is an error, not a stack trace; a --dims typo is caught', async () => {
    const r = await rnnc('check', 'models/nope.rnn');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot read models/nope.rnn: no such file\n\n');
    const t = await rnnc('check', 'models/char-lstm.rnn', '--dims', 'vocb=65');
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("no checked model declares a dim 'vocb' (did you mean 'vocab'?)");
  });

  it('ir prints the step and --json parses', async () => {
    const text = await rnnc('ir', 'models/word-lstm-tied.rnn', '--dims', 'vocab=10000');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('loss =      cross_entropy(E @ h2 + b_y, next)');
    const json = await rnnc('ir', 'models/char-lstm.rnn', '--json', '--dims', 'vocab=65');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.models[0].name).toBe('CharLSTM');
    expect(parsed.models[0].totalParams).toBe(874881);
  });
});
