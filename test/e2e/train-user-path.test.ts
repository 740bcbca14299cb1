// What a user meets between train, eval and sample: a run that ends mid-epoch records its
// final validation, keeps the best checkpoint and tests it; --resume accepts the run's own
// values; --json's end line counts the epoch under way; a model error has one "error:" per
// diagnostic; eval measures as validation did by default, and reads standard input.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnnc, type Run } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-user-path-'));
const corpus = join(dir, 'corpus.txt');
const valid = join(dir, 'valid.txt');
const test = join(dir, 'test.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
writeFileSync(valid, 'The slings and arrows of outrageous fortune,\nOr to take arms against a sea of troubles\n'.repeat(3));
writeFileSync(test, 'Whether to be in the mind, or not to suffer the question:\n'.repeat(4)); // characters of the corpus only
const tiny = ['--data', corpus, '--valid', valid, '--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--sample', '0'];
const lines = (r: Run) => r.stdout.trim().split('\n').map((l) => JSON.parse(l));
const config = (d: string) => JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));

function withStdin(args: string[], input: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('node', ['bin/rnnc.js', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    child.stdin!.end(input);
  });
}

describe('the user path through train, eval and sample', { timeout: 180_000 }, () => {
  it('a run ending mid-epoch records its final validation (config, curve), keeps the best checkpoint, and --test reports it', async () => {
    const out = join(dir, 'mid');
    // 47 steps per epoch: 7 steps end mid-epoch; validation every 3 steps and at the end.
    const r = await rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '7', '--eval-every', '3', '--lr', '0.02', '--json', '--test', test, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const end = lines(r).at(-1);
    const c = config(out);
    const valids = c.trainer.curve.filter((p: { valid?: number }) => p.valid !== undefined);
    expect(valids.map((p: { step: number }) => p.step)).toEqual([3, 6, 7]);
    expect(valids.at(-1).valid).toBe(end.valid_loss);
    expect(c.trainer.bestValid).toBe(Math.min(...valids.map((p: { valid: number }) => p.valid)));
    const validLine = /data-series="1"[^>]*points="([^"]*)"/.exec(readFileSync(join(out, 'curve.svg'), 'utf8'));
    expect(validLine?.[1].split(' ')).toHaveLength(3); // the final validation is drawn too
    // best/ is the checkpoint of the lowest validation loss; --test measured that one, as validation measures.
    const bestStep = valids.find((p: { valid: number }) => p.valid === c.trainer.bestValid).step;
    expect(config(join(out, 'best')).step).toBe(bestStep);
    expect(end.best_step).toBe(bestStep);
    const e = await rnnc('eval', join(out, 'best'), '--data', test, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(end.test_loss).toBe(JSON.parse(e.stdout).loss);
    expect(end.test_ppl).toBeCloseTo(Math.exp(end.test_loss), 10);
    // And the epoch under way, as the progress lines count it (not 0).
    expect(end.epoch).toBe(1);
  });

  it('when the final weights are not the best, the last lines name the best checkpoint\'s step and loss, as validation printed them', async () => {
    const out = join(dir, 'older-best');
    // lr 0.2 overshoots: validation is best after step 6, worse at 9 and 12.
    const r = await rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '12', '--eval-every', '3', '--lr', '0.2', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const c = config(out);
    const valids = c.trainer.curve.filter((p: { valid?: number }) => p.valid !== undefined);
    const best = valids.find((p: { valid: number }) => p.valid === c.trainer.bestValid);
    expect(best.step).toBeLessThan(12); // the premise: an older best
    expect(config(join(out, 'best')).step).toBe(best.step);
    const printed = new RegExp(`^valid after step ${best.step} .*: loss (\\d\\.\\d{4}) nats/char.*\\(best\\)$`, 'm').exec(r.stdout);
    expect(printed, r.stdout).not.toBeNull();
    expect(r.stdout).toContain(`checkpoint: ${out} (best by validation: ${join(out, 'best')}, step ${best.step}: valid loss ${printed![1]} nats/char)`);
    // When the final weights are the best, nothing older is named.
    const last = await rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '3', '--out', join(dir, 'final-best'));
    expect(last.stdout).toContain(`(best by validation: ${join(dir, 'final-best', 'best')})\n`);
  });

  it('--resume accepts the run\'s own values, refuses changes naming each, and its --json end counts the epoch under way', async () => {
    const out = join(dir, 'resumed');
    expect((await rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '3', '--out', out)).code).toBe(0);
    // One after the other: the refused run must not read the checkpoint while the other replaces it.
    const changed = await rnnc('train', '--resume', out, '--steps', '5', '--batch', '8', '--dims', 'hidden=32', '--level', 'word');
    const same = await rnnc('train', '--resume', out, '--steps', '5', ...tiny, '--json');
    expect(same.code, same.stderr).toBe(0);
    expect(lines(same).at(-1)).toMatchObject({ event: 'end', step: 5, epoch: 1 });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toBe('error: --resume continues the run as it was configured; these options differ from it: --level word (the run has char), --batch 8 (the run has 4), --dims hidden=32 (the run has hidden=16)\n');
  });

  it('a model with errors: each diagnostic once with its location, one "error:" each, then one summary line', async () => {
    const bad = join(dir, 'bad.rnn');
    writeFileSync(bad, 'model M {\n  dim vocab\n  param E: [vocab, 8]\n  x = E[tokens]\n  loss = cross_entropy(x, next)\n}\n');
    const r = await rnnc('train', bad, ...tiny, '--steps', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/^error: \S+:\d+:\d+: error:/m); // was: error: bad.rnn:5:8: error: …
    expect(r.stderr).toMatch(/bad\.rnn:5:8: error: /);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^error: .*bad\.rnn has errors; see above$/);
  });

  it('eval measures as the run validated by default (the same number), says so, and reads standard input', async () => {
    const out = join(dir, 'protocol');
    const r = await rnnc('train', 'models/char-lstm.rnn', ...tiny, '--steps', '4', '--json', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const end = lines(r).at(-1);
    const [json, text, stdin, one] = await Promise.all([
      rnnc('eval', out, '--data', valid, '--json'),
      rnnc('eval', out, '--data', valid),
      withStdin(['eval', out, '--data', '-', '--json'], readFileSync(valid, 'utf8')),
      rnnc('eval', out, '--data', valid, '--batch', '1'),
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject({ loss: end.valid_loss, batch: 16, validation_batch: 16 });
    expect(text.stdout).toMatch(/predictions \(16 streams, as the run's validation\)/);
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(JSON.parse(stdin.stdout).loss).toBe(end.valid_loss);
    expect(one.stdout).toMatch(/predictions \(1 stream; the run validated with 16\)/);
  });
});
