// rnnc train/eval/sample meet a bad output path, a diverging run, mixed or damaged checkpoint
// files: one line and exit 1 (never `internal error`), and the last good checkpoint intact.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, decodeSafetensors } from '../../src/runtime/safetensors.ts';
import { sha256 } from '../../src/runtime/train/checkpoint-config.ts';
import { rnnc, type Run } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-ckpt-e2e-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
const tiny = ['--data', corpus, '--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--sample', '0'];

function expectOneLine(r: Run, message: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^error: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error/);
}

const config = (d: string) => JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));

describe('checkpoint errors in the CLI', { timeout: 180_000 }, () => {
  it('an --out that is a file, lies under a file, or is not writable: one line, exit 1', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    // Root writes anywhere: drop its permission override (setpriv, util-linux) rather than switch to
    // another user, who may not be able to read a project in a private directory (CI's clone is).
    const asRoot = process.getuid?.() === 0;
    const argv = ['bin/rnnc.js', 'train', 'models/char-lstm.rnn', ...tiny, '--steps', '2', '--out', join(locked, 'run')];
    const [cmd, cmdArgs] = asRoot ? ['setpriv', ['--bounding-set', '-dac_override,-dac_read_search', 'node', ...argv]] : ['node', argv];
    const [isFile, underFile, denied] = await Promise.all([
      rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '2', '--out', file),
      rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '2', '--out', join(file, 'run')),
      new Promise<Run>((resolve) =>
        execFile(cmd, cmdArgs, { encoding: 'utf8' }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      ),
    ]);
    expectOneLine(isFile, /cannot save the checkpoint to .*a-file: it is a file, not a directory/);
    expectOneLine(underFile, /a part of the path is a file, not a directory \(ENOTDIR\); nothing was saved/);
    expectOneLine(denied, /cannot save the checkpoint to .*locked\/run: permission denied \(EACCES\); nothing was saved/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('a diverging run keeps the last checkpoint with finite weights, says which step, and it evaluates to a finite loss', async () => {
    const out = join(dir, 'diverged');
    // SGD at lr 1e38 sends the weights to ±Infinity in the second step; a validation follows every step.
    const r = await rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '6', '--optimizer', 'sgd', '--lr', '1e38', '--clip', '0', '--eval-every', '1', '--out', out);
    expectOneLine(r, /training diverged: after step 2 the weights are not finite \(tensor 'E'; lr 1e\+38\) and were not saved; the last good checkpoint, of step 1, is in/);
    expect(config(out).step).toBe(1);
    const e = await rnnc('eval', out, '--data', corpus, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(Number.isFinite(JSON.parse(e.stdout).loss)).toBe(true);
  });

  it('eval and sample refuse NaN weights, naming the tensor', async () => {
    const out = join(dir, 'nan');
    expect((await rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '2', '--out', out)).code).toBe(0);
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(out, 'model.safetensors')));
    tensors.get('V')!.data[3] = NaN;
    const bytes = encodeSafetensors(tensors, metadata);
    writeFileSync(join(out, 'model.safetensors'), bytes);
    const c = config(out);
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...c, files: { ...c.files, 'model.safetensors': sha256(bytes) } }));
    const [e, s] = await Promise.all([rnnc('eval', out, '--data', corpus), rnnc('sample', out, '--length', '5')]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/tensor 'V' holds NaN at index 3/);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/tensor 'V' holds NaN at index 3/);
  });

  it('eval and sample need neither optimizer.safetensors nor the training settings; --resume needs the optimizer', async () => {
    // (A vocabulary or optimizer of another run is refused: test/runtime/checkpoint-consistency.test.ts.)
    const a = join(dir, 'va');
    expect((await rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '2', '--out', a)).code).toBe(0);
    const bare = join(dir, 'bare');
    cpSync(a, bare, { recursive: true });
    rmSync(join(bare, 'optimizer.safetensors'));
    const { train: _, ...c } = config(bare);
    writeFileSync(join(bare, 'config.json'), JSON.stringify(c));
    const noOpt = join(dir, 'no-opt');
    cpSync(a, noOpt, { recursive: true });
    rmSync(join(noOpt, 'optimizer.safetensors'));
    const [ev, sa, re] = await Promise.all([
      rnnc('eval', bare, '--data', corpus, '--json'),
      rnnc('sample', bare, '--length', '10', '--seed', '1'),
      rnnc('train', '--resume', noOpt, '--steps', '4'),
    ]);
    expect(ev.code, ev.stderr).toBe(0);
    expect(Number.isFinite(JSON.parse(ev.stdout).loss)).toBe(true);
    expect(sa.code, sa.stderr).toBe(0);
    expect(sa.stdout.length).toBeGreaterThanOrEqual(10);
    expectOneLine(re, /no-opt: optimizer\.safetensors is missing, so the run cannot resume \(eval and sample do not need it\)/);
  });
});
