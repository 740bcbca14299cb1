// The exported files pass the ONNX checker of the reference implementation (python3-onnx,
// with full_check: shape inference through the Scan bodies too), where it is installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { exportOnnx } from '../../src/export/onnx/index.ts';

const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0);
const dir = mkdtempSync(join(tmpdir(), 'rnnc-onnx-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: [string, Record<string, number>][] = [
  ['models/char-lstm.rnn', { vocab: 17, hidden: 16, embed: 8 }],
  ['models/word-lstm-tied.rnn', { vocab: 17 }],
  ['test/codegen/models/exotic.rnn', { vocab: 9 }],
  ['test/export/models/bi-stack.rnn', {}],
  // The token history: an int64 input and output beside the tokens.
  ['models/char-window-lm.rnn', { vocab: 17 }],
  ['models/skipgram.rnn', { vocab: 17, embed: 8 }],
];

describe('python3-onnx checker', () => {
  it('accepts every export (full check)', () => {
    if (!python) {
      console.log('skipped: the ONNX checker needs python3 with onnx (apt-get install python3-onnx)');
      return;
    }
    const files = CASES.map(([file, dims], k) => {
      const m = compile(file, { dims }).init(k);
      const out = join(dir, `m${k}.onnx`);
      writeFileSync(out, exportOnnx({ ir: m.ir, weights: m.weights() }));
      return out;
    });
    const script = 'import onnx, sys\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\n    print("ok", p)';
    const r = spawnSync(python, ['-c', script, ...files], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(files.length);
  });
});
