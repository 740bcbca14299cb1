// The rest of reading a corpus (corpus.ts, prepare.ts): an empty, binary or blank file is
// refused by name, a file whose size the kernel does not report (/proc) is read whole,
// --split never cuts a surrogate pair, and prepareData builds the vocabulary each level
// promises and refuses texts too short to train or validate on.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstInvalidUtf8, readCorpus, splitText } from '../../src/runtime/data/corpus.ts';
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
    expect(readCorpus(file('bom.txt', '\ufeff\ufeffa'))).toBe('\ufeffa'); // one mark is the file's, the next is text
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
    // The first and the last high surrogate (U+10000 = D800 DC00, U+10FFFF = DBFF DFFF), and the ones around them.
    expect(splitText('a\u{10000}b', 0.5)).toEqual({ train: 'a\u{10000}', valid: 'b' });
    expect(splitText('a\u{10FFFF}b', 0.5)).toEqual({ train: 'a\u{10FFFF}', valid: 'b' });
    expect(splitText('a\ud7ffb', 0.5)).toEqual({ train: 'a', valid: '\ud7ffb' });
    expect(splitText('a\udc00bc', 0.5)).toEqual({ train: 'a\udc00', valid: 'bc' }); // a low surrogate before the cut does not move it
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

  it('a char vocabulary without validation text is the training text\'s; word options reach the vocabulary', () => {
    expect(prepareData(settings({})).vocab.tokens).toEqual(buildVocab('char', readFileSync(train, 'utf8')).tokens);
    const rare = prepareData(settings({ kind: 'word', minCount: 2 }));
    expect(rare.vocab.tokens).toEqual(['<unk>', 'the', '<eos>', 'sat']); // cat, on, mat, dog (once each) are <unk>
    expect(prepareData(settings({ kind: 'word', maxVocab: 3 })).vocab.tokens).toEqual(['<unk>', 'the', '<eos>']);
    const empty = file('empty-valid.txt', '');
    expect(() => prepareData(settings({ valid: empty }))).toThrow(`validation text ${empty}: the file is empty`);
    expect(() => prepareData(settings({ train: empty }))).toThrow(`training text ${empty}: the file is empty`);
  });

  it('two tokens are enough to train and to validate on', () => {
    const two = file('two.txt', 'ab');
    expect(prepareData(settings({ train: two, valid: two })).train.length).toBe(2);
  });

  it('refuses a training text of one token and a validation text of one', () => {
    const one = file('one-token.txt', 'a');
    expect(() => prepareData(settings({ train: one }))).toThrow(new DataError(`training text ${one} has 1 token; it needs at least one window`));
    const v1 = file('valid-one.txt', 'a');
    expect(() => prepareData(settings({ valid: v1 }))).toThrow(new DataError('the validation text has 1 token; it needs at least 2 (or drop --valid/--split)'));
  });
});

describe('firstInvalidUtf8 at the edges of the well-formed ranges', () => {
  it('the first and last lead bytes and second-byte bounds that are still valid are read past', () => {
    const at = (valid: number[]) => firstInvalidUtf8(Uint8Array.from([...valid, 0xff]));
    expect(at([0xf0, 0x90, 0x80, 0x80])).toBe(4); // U+10000: F0's second byte from 90
    expect(at([0xf4, 0x8f, 0xbf, 0xbf])).toBe(4); // U+10FFFF: F4's second byte up to 8F
    expect(at([0xe0, 0xa0, 0x80])).toBe(3); // U+0800: E0's second byte from A0
    expect(at([0xed, 0x9f, 0xbf])).toBe(3); // U+D7FF: ED's second byte up to 9F
    expect(at([0xc2, 0x80])).toBe(2);
    expect(at([0xdf, 0xbf])).toBe(2);
    expect(at([0xef, 0xbf, 0xbf])).toBe(3);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xf0, 0x90, 0x80]))).toBe(1); // cut short
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0x62]))).toBe(2); // none: the length
  });
});
