// rnnc train / eval / sample as a user runs them: real processes, real files, exit codes,
// JSON progress, checkpoints, Ctrl-C, and a clear one-line error for every bad input.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnnc, type Run } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-train-e2e-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
const tiny = ['--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16'];

/** A user error: exit 1, one `error:` line first, no stack trace. */
function expectUserError(r: Run, message: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/internal error/);
}

describe.concurrent('rnnc train, eval, sample', () => {
  it('trains with JSON progress, writes a complete checkpoint, evaluates and samples from it', async () => {
    const out = join(dir, 'run1');
    const r = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '20', '--eval-every', '10', '--json', '--log-every', '5', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const steps = lines.filter((l) => 'loss' in l && 'tokens_per_s' in l && !('event' in l));
    expect(steps.map((s) => s.step)).toEqual([1, 5, 10, 15, 20]);
    for (const s of steps) expect(s).toMatchObject({ epoch: 1, loss: expect.any(Number), tokens_per_s: expect.any(Number) });
    const valids = lines.filter((l) => 'valid_loss' in l && !('event' in l));
    expect(valids.map((v) => v.step)).toEqual([10, 20]);
    for (const v of valids) expect(v.valid_ppl).toBeCloseTo(Math.exp(v.valid_loss), 8);
    const end = lines.at(-1);
    expect(end).toMatchObject({ event: 'end', reason: 'steps', step: 20, out });
    for (const f of ['model.safetensors', 'optimizer.safetensors', 'vocab.json', 'config.json', 'curve.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.trainer.step).toBe(20);
    expect(config.model.dims).toMatchObject({ embed: 8, hidden: 16 });
    expect(readFileSync(join(out, 'curve.svg'), 'utf8')).toMatch(/^(<\?xml[^>]*>\s*)?<svg[\s\S]*<\/svg>\s*$/);

    const e = await rnnc('eval', out, '--data', corpus, '--json', '--batch', '1');
    expect(e.code).toBe(0);
    const ev = JSON.parse(e.stdout);
    expect(ev.perplexity).toBeCloseTo(Math.exp(ev.loss), 8);
    expect(ev.bits).toBeCloseTo(ev.loss / Math.LN2, 10);
    expect(ev.tokens).toBe(readFileSync(corpus, 'utf8').length - 1);

    const [s1, s2, s3] = await Promise.all([
      rnnc('sample', out, '--prompt', 'To be', '--length', '40', '--seed', '3'),
      rnnc('sample', out, '--prompt', 'To be', '--length', '40', '--seed', '3'),
      rnnc('sample', out, '--prompt', 'To be', '--length', '40', '--top-k', '1'),
    ]);
    expect(s1.code).toBe(0);
    expect(s1.stdout).toBe(s2.stdout);
    expect(s1.stdout.startsWith('To be')).toBe(true);
    expect(s1.stdout.length).toBeGreaterThanOrEqual(45);
    expect(s3.code).toBe(0);
  });

  it('resumes: train 6 + resume to 12 steps equals train 12 (same weights file)', async () => {
    const a = join(dir, 'full');
    const b = join(dir, 'half');
    const [ra, rb] = await Promise.all([
      rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '12', '--sample', '0', '--out', a),
      rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '6', '--sample', '0', '--out', b),
    ]);
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    const rc = await rnnc('train', '--resume', b, '--steps', '12', '--sample', '0');
    expect(rc.stderr).toBe('');
    expect(rc.code).toBe(0);
    expect(rc.stdout).toMatch(/resuming CharLSTM from .* at step 6/);
    expect(readFileSync(join(b, 'model.safetensors')).equals(readFileSync(join(a, 'model.safetensors')))).toBe(true);
    // The data may not change under a checkpoint: its vocabulary would not match.
    const moved = join(dir, 'moved');
    const r2 = await rnnc('train', 'models/char-lstm.rnn', '--data', join(dir, 'v.txt'), '--out', moved, ...tiny, '--steps', '1').catch(() => null);
    expect(r2?.code).toBe(1); // v.txt does not exist yet
    writeFileSync(join(dir, 'v.txt'), readFileSync(corpus, 'utf8'));
    expect((await rnnc('train', 'models/char-lstm.rnn', '--data', join(dir, 'v.txt'), '--out', moved, ...tiny, '--steps', '2', '--sample', '0')).code).toBe(0);
    writeFileSync(join(dir, 'v.txt'), readFileSync(corpus, 'utf8') + 'Zebra!\n');
    expectUserError(await rnnc('train', '--resume', moved, '--steps', '4'), /differs from the checkpoint's/);
    expectUserError(await rnnc('train', '--resume', b, '--lr', '0.1'), /differ from it: --lr 0\.1 \(the run has 0\.002\)/);
  });

  it('Ctrl-C saves a checkpoint and exits 0', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn('node', ['bin/rnnc.js', 'train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--minutes', '5', '--json', '--log-every', '1', '--sample', '0', '--out', out]);
    let stdout = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (!sent && /"step":3,/.test(stdout)) {
          sent = true; // one Ctrl-C: a second one quits without saving
          child.kill('SIGINT');
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(0);
    const end = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(end).toMatchObject({ event: 'end', reason: 'interrupted' });
    expect(end.step).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).trainer.step).toBe(end.step);
  });

  it('word level: <eos> at line ends, rare and unseen words become <unk>, vocab binds the model', async () => {
    const words = join(dir, 'words.txt');
    const valid = join(dir, 'words-valid.txt');
    writeFileSync(words, ' the cat sat on the mat \n the dog sat on the log \n a zebra\n'.repeat(30) + 'aardvark\n');
    writeFileSync(valid, ' the cat sat on the log \n an okapi sat\n');
    const out = join(dir, 'word-run');
    const r = await rnnc('train', 'models/word-lstm.rnn', '--level', 'word', '--data', words, '--valid', valid, '--min-count', '2', '--dims', 'embed=8,hidden=8', '--batch', '2', '--bptt', '5', '--steps', '3', '--sample', '0', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const vocab = JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8'));
    expect(vocab.kind).toBe('word');
    expect(vocab.tokens).toContain('<eos>');
    expect(vocab.tokens).toContain('<unk>');
    expect(vocab.tokens).not.toContain('aardvark'); // seen once, --min-count 2
    expect(vocab.tokens).toHaveLength(11); // the cat sat on mat dog log a zebra + <eos> + <unk>
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.model.dims.vocab).toBe(11);
    const e = await rnnc('eval', out, '--data', valid, '--json');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout).tokens).toBe(11 - 1); // 9 words (okapi, an: <unk>) + 2 <eos>, minus the first
    const s = await rnnc('sample', out, '--length', '50', '--until-eos', '--seed', '1');
    expect(s.code).toBe(0);
    expect(s.stdout.trim().split(/\s+/).length).toBeLessThanOrEqual(50);
  });

  it('bad inputs get a one-line error, never a stack trace', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const binary = join(dir, 'binary.bin');
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(latin1, Buffer.from('caf\xe9 au lait\n', 'latin1'));
    const short = join(dir, 'short.txt');
    writeFileSync(short, 'hello world\n');
    const runs = await Promise.all([
      rnnc('train', 'models/char-lstm.rnn', '--data', join(dir, 'nope.txt')),
      rnnc('train', 'models/char-lstm.rnn', '--data', empty),
      rnnc('train', 'models/char-lstm.rnn', '--data', binary),
      rnnc('train', 'models/char-lstm.rnn', '--data', latin1),
      rnnc('train', 'models/char-lstm.rnn', '--data', short, '--split', '0.5'),
      rnnc('train', 'models/nope.rnn'),
      rnnc('train', '--resume', dir),
      rnnc('eval', join(dir, 'nowhere'), '--data', corpus),
      rnnc('train', 'models/char-lstm.rnn', '--data', corpus, '--optimizer', 'adamw'),
    ]);
    expectUserError(runs[0], /nope\.txt: no such file/);
    expectUserError(runs[1], /empty/);
    expectUserError(runs[2], /binary/);
    expectUserError(runs[3], /not valid UTF-8/);
    expectUserError(runs[4], /fewer than one window needs/);
    expectUserError(runs[5], /nope\.rnn/);
    expectUserError(runs[6], /no config\.json/);
    expectUserError(runs[7], /no such checkpoint/);
    expectUserError(runs[8], /--optimizer must be one of/);
    const usage = await rnnc('train', 'models/char-lstm.rnn', '--batch', 'zero');
    expect(usage.code).toBe(2);
    const help = await rnnc('train', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--resume <dir>');
  });
});
