// Skip-gram's loss over context positions (token@-2 … token@+2) is not a next-token model,
// and the PyTorch export carries no token history: it refuses it with a diagnostic at the
// loss, on the command line as in the library, and writes nothing. The ONNX export carries
// the history (onnx-history.test.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { exportRefusals } from './refusal.ts';
import { rnnc } from '../e2e/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = 'models/skipgram.rnn';
const src = readFileSync(file, 'utf8');
const call = /cross_entropy\([^\n]*\)/.exec(src)!;
const before = src.slice(0, call.index).split('\n');
const at = `${before.length}:${before[before.length - 1].length + 1}`;

describe(file, () => {
  it('the library refuses the PyTorch export with a diagnostic at the loss', () => {
    const model = compile(file, { dims: { vocab: 11 } }).init(1);
    const refused = exportRefusals(model);
    for (const [d, target] of [[refused.torch, 'the PyTorch module']] as const) {
      expect(src.slice(d.span!.start, d.span!.end)).toBe(call[0]);
      expect(d.message).toContain(`a loss over context positions (token@k) predicts other tokens than the next one, and ${target} carries no token history`);
      expect(d.hint).toMatch(/--format esm/);
    }
  });

  it('rnnc export --format onnx writes it, the token history an int64 input and output', async () => {
    const out = join(dir, 'skipgram.onnx');
    const r = await rnnc('export', file, '--format', 'onnx', '-o', out, '--dims', 'vocab=11');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(r.stdout).toContain(", token@history [B, 4] int64\n  outputs: log_probs [T, B, 11], token@history' [B, 4] int64");
  });

  it.each(['torch'])('rnnc export --format %s says file:line:col with a caret, exits 1, writes nothing', async (format) => {
    const out = join(dir, format);
    const r = await rnnc('export', file, '--format', format, '-o', format === 'onnx' ? `${out}.onnx` : out, '--dims', 'vocab=11');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:${at}: error: cannot export to ${format === 'onnx' ? 'ONNX' : 'PyTorch'}`);
    expect(r.stderr).toContain('^'.repeat(call[0].length));
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(`${out}.onnx`) || existsSync(join(out, 'model.py'))).toBe(false);
  });
});
