// The PyTorch export does not carry the token history that offset lookups (E[token@-k])
// read, so it refuses such a model with a diagnostic at the first lookup, on the command line
// as in the library, and writes nothing. The ONNX export carries it (onnx-history.test.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { exportRefusals } from './refusal.ts';
import { rnnc } from '../e2e/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-offset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** line:col of the first `[token@` lookup of a file, and the lookup's text. */
function firstLookup(file: string): { at: string; text: string } {
  const src = readFileSync(file, 'utf8');
  const m = /\w+\[token@[-+]?\d+\]/.exec(src)!;
  const before = src.slice(0, m.index).split('\n');
  return { at: `${before.length}:${before[before.length - 1].length + 1}`, text: m[0] };
}

describe.each(['models/window-lm.rnn', 'models/char-window-lm.rnn', 'models/cbow.rnn'])('%s', (file) => {
  const { at, text } = firstLookup(file);

  it('the library refuses the PyTorch export with a diagnostic at the first offset lookup', () => {
    const model = compile(file, { dims: { vocab: 11 } }).init(1);
    const src = readFileSync(file, 'utf8');
    for (const d of Object.values(exportRefusals(model))) {
      expect(src.slice(d.span!.start, d.span!.end)).toBe(text);
      expect(d.message).toMatch(/offset lookup \(token@k\) reads other tokens than the current one, which the (ONNX graph|PyTorch module) does not carry/);
      expect(d.hint).toMatch(/--format esm/);
    }
  });

  it('rnnc export --format onnx writes it, the token history an int64 input and output', async () => {
    const out = join(dir, `${file.replace(/\W/g, '_')}.onnx`);
    const r = await rnnc('export', file, '--format', 'onnx', '-o', out, '--dims', 'vocab=11');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(r.stdout).toMatch(/inputs: .*, token@history \[B, \d\] int64\n  outputs: .*, token@history' \[B, \d\] int64/);
  });

  it.each(['torch'])('rnnc export --format %s says file:line:col with a caret, exits 1, writes nothing', async (format) => {
    const out = join(dir, `${format}-${file.replace(/\W/g, '_')}`);
    const r = await rnnc('export', file, '--format', format, '-o', format === 'onnx' ? `${out}.onnx` : out, '--dims', 'vocab=11');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:${at}: error: cannot export to ${format === 'onnx' ? 'ONNX' : 'PyTorch'}`);
    expect(r.stderr).toContain('^'.repeat(text.length));
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(`${out}.onnx`) || existsSync(join(out, 'model.py'))).toBe(false);
  });
});
