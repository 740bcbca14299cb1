// main.ts runs `rnnc check FILES [--dims V] [-q]` itself, without commander (check-args.ts).
// The oracle is commander: the same line with the files after `--` (which the fast path leaves
// to commander) must print the same bytes and exit with the same code, for good and bad files,
// options in any order and form, bundled-model names and bad values.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkArgs } from '../../src/cli/check-args.ts';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-fast-check-'));
const bad = join(dir, 'bad.rnn');
writeFileSync(bad, 'model M {\n  dim vocab\n  param E: [vocab, 4]\n  param unused: [3]\n  loss cross_entropy(E @ E[token], nxt)\n}\n');

/** Options then files: the files moved after `--` go through commander. */
const LINES: [string[], string[]][] = [
  [[], ['models/char-lstm.rnn']],
  [['--dims', 'vocab=65', '-q'], ['models/char-lstm.rnn', 'models/cells/gru.rnn']],
  [['--dims=vocab=65', '--dims', 'hidden=32', '--quiet'], ['models/word-lstm.rnn']],
  [['--dims', 'vocb=65'], ['models/char-lstm.rnn']],
  [[], ['char-lstm', 'cells/lstm']],
  [[], [bad]],
  [['-q'], ['models/nope.rnn']],
];

describe.concurrent('rnnc check: fast path and commander agree', () => {
  for (const [options, files] of LINES) {
    it(`check ${[...options, ...files].join(' ')}`, async () => {
      const fast = await rnnc('check', ...files, ...options);
      const slow = await rnnc('check', ...options, '--', ...files);
      expect(fast).toEqual(slow);
      expect(fast.stdout + fast.stderr).toMatch(/checked \d+ files?|error: /);
    });
  }
});

describe('check-args.ts leaves to commander what it does not know', () => {
  it('parses the usual forms', () => {
    const a = checkArgs(['a.rnn', '--dims', 'vocab=65', 'b.rnn', '--dims=hidden=3', '-q']);
    expect(a).toEqual({ files: ['a.rnn', 'b.rnn'], dims: new Map([['vocab', 65], ['hidden', 3]]), quiet: true });
    expect(checkArgs(['a.rnn'])).toEqual({ files: ['a.rnn'], dims: new Map(), quiet: false });
  });

  it('returns null for help, unknown options, `--`, a missing or bad --dims value and no files', () => {
    for (const args of [['--help'], ['a.rnn', '-h'], ['a.rnn', '--dim', 'v=1'], ['--', 'a.rnn'], ['a.rnn', '--dims'], ['a.rnn', '--dims', 'vocab=0'], ['a.rnn', '--dims', '-q'], ['-q'], [], ['a.rnn', '-qq'], ['a.rnn', '--quiet=1']]) {
      expect(checkArgs(args), args.join(' ')).toBeNull();
    }
  });
});
