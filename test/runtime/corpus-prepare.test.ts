// The rest of reading a corpus (corpus.ts, prepare.ts): an empty, binary or blank file is
// refused by name, a file whose size the kernel does not report (/proc) is read whole,
// --split never cuts a surrogate pair, and prepareData builds the vocabulary each level
// promises and refuses texts too short to train or validate on.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCorpus, splitText } from '../../src/runtime/data/corpus.ts';
import { prepareData, type DataSettings } from '../../src/runtime/data/prepare.ts';
import { buildVocab } from '../../src/runtime/data/tokenize.ts';
import { DataError } from '../../src/runtime/data/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-prepare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('readCorpus refuses what holds no text', () => {
  it('an empty file, a NUL byte (even the first), only whitespace: each named', () => {
    const empty = file('empty.txt', '');
    expect(() => readCorpus(empty, 'validation text')).toThrow(new DataError(`validation text ${empty}: the file is empty`));
    const nul = file('nul.txt', Buffer.from([0, 104, 105]));
    expect(() => readCorpus(nul)).toThrow(new DataError(`corpus ${nul}: looks binary (a NUL byte at offset 0); rnnc trains on UTF-8 text`));
    const blank = file('blank.txt', ' \n\t\n');
    expect(() => readCorpus(blank)).toThrow(new DataError(`corpus ${blank}: holds only whitespace`));
    expect(readCorpus(file('one.txt', ' a\n'))).toBe(' a\n');
  });

  it.runIf(existsSync('/proc/self/status'))('reads a file the kernel sizes as 0 (/proc) whole, growing its buffer', () => {
    const text = readCorpus('/proc/self/status');
    expect(text.length).toBeGreaterThan(100);
    expect(text.startsWith('Name:')).toBe(true);
    expect(text.split('\n').length).toBe(readFileSync('/proc/self/status', 'utf8').split('\n').length);
  });
});

describe('splitText', () => {
  it('cuts at ⌊length × fraction⌋, after a surrogate pair rather than inside it', () => {
    expect(splitText('abcdefghij', 0.9)).toEqual({ train: 'abcdefghi', valid: 'j' });
    expect(splitText('abcdefghij', 0.25)).toEqual({ train: 'ab', valid: 'cdefghij' });
    expect(splitText('ab😀cd', 0.5)).toEqual({ train: 'ab😀', valid: 'cd' }); // ⌊6 × 0.5⌋ = 3 falls inside 😀
    expect(splitText('ab😀cd', 0.34)).toEqual({ train: 'ab', valid: '😀cd' }); // 2: before it
    expect(splitText('😀cd', 0.1)).toEqual({ train: '', valid: '😀cd' });
  });

  it('refuses a fraction outside (0, 1)', () => {
    for (const f of [0, 1, -0.5, 1.5, NaN]) expect(() => splitText('abc', f)).toThrow(new DataError(`--split must be a fraction between 0 and 1 (got ${f})`));
  });
});

describe('prepareData', () => {
  const train = file('train.txt', 'the cat sat on the mat\nthe dog sat\n');
  const valid = file('valid.txt', 'the cow sat!\n');
  const settings = (s: Partial<DataSettings>): DataSettings => ({ kind: 'char', train, valid: null, split: null, minCount: 1, maxVocab: null, ...s });

  it('chars: the vocabulary covers the validation text too; words: from the training text, unseen words <unk>', () => {
    const c = prepareData(settings({ valid }));
    expect(c.vocab.has('!')).toBe(true);
    expect(c.vocab.decode(Array.from(c.valid!))).toBe('the cow sat!\n');
    expect(c.train.length).toBe(35);
    const w = prepareData(settings({ kind: 'word', valid }));
    expect(w.vocab.has('cow')).toBe(false);
    expect(Array.from(w.valid!, (id) => w.vocab.token(id))).toEqual(['the', '<unk>', '<unk>', '<eos>']);
  });

  it('--split holds out the end of the training text; without either, no validation', () => {
    const s = prepareData(settings({ split: 0.5 }));
    expect(s.vocab.decode(Array.from(s.train)) + s.vocab.decode(Array.from(s.valid!))).toBe('the cat sat on the mat\nthe dog sat\n');
    expect(s.train.length).toBe(17);
    expect(prepareData(settings({})).valid).toBeNull();
  });

  it('a checkpoint\'s vocabulary is used when the settings build the same one, refused otherwise', () => {
    const own = buildVocab('char', readFileSync(train, 'utf8') + readFileSync(valid, 'utf8'));
    expect(prepareData(settings({ valid }), own).vocab).toBe(own);
    const other = buildVocab('char', 'xyz');
    expect(() => prepareData(settings({ valid }), other)).toThrow(`the vocabulary of ${train} (with these settings) differs from the checkpoint's`);
  });

  it('refuses a training text of one token and a validation text of one', () => {
    const one = file('one-token.txt', 'a');
    expect(() => prepareData(settings({ train: one }))).toThrow(new DataError(`training text ${one} has 1 token; it needs at least one window`));
    const v1 = file('valid-one.txt', 'a');
    expect(() => prepareData(settings({ valid: v1 }))).toThrow(new DataError('the validation text has 1 token; it needs at least 2 (or drop --valid/--split)'));
  });
});
