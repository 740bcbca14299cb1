// Vocabularies at their edges (tokenize.ts, vocab.ts): surrogates joined only when they pair,
// Python's code-point order for ties, where an unknown character is and how it is named,
// equality, and the vocab.json refusals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCharVocab, buildVocab, buildWordVocab } from '../../src/runtime/data/tokenize.ts';
import { readVocab, Vocab } from '../../src/runtime/data/vocab.ts';
import { DataError } from '../../src/runtime/data/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-vocab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('character vocabularies and surrogates', () => {
  it('a pair is one character; a lone high or low surrogate is a character of its own', () => {
    expect(buildCharVocab('a😀').tokens).toEqual(['a', '😀']);
    expect(buildCharVocab('a\uD83D').tokens).toEqual(['a', '\uD83D']); // high at the end
    expect(buildCharVocab('x\uD83Dy').tokens).toEqual(['x', 'y', '\uD83D']); // high before a non-surrogate
    expect(buildCharVocab('a\uDC00').tokens).toEqual(['a', '\uDC00']); // low after a letter
  });

  it('sorted by code point: U+FF01 before U+1F600 (UTF-16 order would swap them)', () => {
    expect(buildCharVocab('😀！').tokens).toEqual(['！', '😀']);
    expect(buildVocab('char', 'ba', { minCount: 5 }).tokens).toEqual(['a', 'b']);
  });

  it('encodes a lone high surrogate only if the vocabulary has it on its own (an astral character is not it)', () => {
    const v = buildCharVocab('x😀');
    expect(Array.from(v.encode('😀x😀'))).toEqual([1, 0, 1]);
    expect(() => v.encode('x\uD83Dx')).toThrow(DataError);
    const lone = buildCharVocab('x\uD83Dy');
    expect(Array.from(lone.encode('y\uD83Dx'))).toEqual([1, 2, 0]);
  });

  it('an unknown character: line and column in code points, named by U+ code (and itself when printable)', () => {
    const v = buildCharVocab('abc\n');
    const err = (text: string) => {
      try {
        v.encode(text, 'prompt');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(err('ab\nc😀a\nz')).toBe("prompt:2:2: character '😀' (U+1F600) is not in the vocabulary (4 characters)");
    expect(err('ab\nca\nz\n')).toBe("prompt:3:1: character 'z' (U+007A) is not in the vocabulary (4 characters)");
    expect(err('a\u0007')).toBe('prompt:1:2: character U+0007 is not in the vocabulary (4 characters)');
    expect(err('a\u007f')).toBe('prompt:1:2: character U+007F is not in the vocabulary (4 characters)');
    expect(err('a b')).toBe('prompt:1:2: character U+0020 is not in the vocabulary (4 characters)');
    expect(err('a\u00a0')).toBe('prompt:1:2: character U+00A0 is not in the vocabulary (4 characters)');
    const noNewline = buildCharVocab('ab');
    expect(() => noNewline.encode('ab\nb', 't')).toThrow('t:1:3: character U+000A is not in the vocabulary (2 characters)');
  });

  it('token(id) outside the vocabulary names the range', () => {
    expect(() => buildCharVocab('abc').token(3)).toThrow(new RangeError('token id 3 is outside the vocabulary [0, 3)'));
  });
});

describe('word vocabularies: ties in code-point order', () => {
  it('equal counts sort by code point, a prefix first, whatever the order seen', () => {
    const words = (text: string) => buildWordVocab(text).tokens.filter((t) => t !== '<eos>' && t !== '<unk>');
    expect(words('ac ab abc')).toEqual(['ab', 'abc', 'ac']);
    expect(words('😀 ！')).toEqual(['！', '😀']);
    expect(words('😀b 😀a')).toEqual(['😀a', '😀b']);
  });
});

describe('equality and vocab.json', () => {
  it('equal: same kind, same tokens, same order; a prefix is not equal', () => {
    const v = new Vocab('char', ['a', 'b']);
    expect(v.equals(new Vocab('char', ['a', 'b']))).toBe(true);
    expect(v.equals(new Vocab('char', ['b', 'a']))).toBe(false);
    expect(v.equals(new Vocab('char', ['a', 'b', 'c']))).toBe(false);
    expect(new Vocab('char', ['a', 'b', 'c']).equals(v)).toBe(false);
    const w = new Vocab('word', ['<eos>', '<unk>']);
    expect(w.equals(new Vocab('word', ['<eos>', '<unk>']))).toBe(true);
    expect(w.equals(new Vocab('char', ['a', 'b']))).toBe(false);
  });

  it('fromJSON refuses what is not an object, naming the file (vocab.json by default)', () => {
    for (const j of [null, [], 'char', 5]) {
      expect(() => Vocab.fromJSON(j)).toThrow(new DataError('vocab.json: expected a JSON object {"kind": "char"|"word", "tokens": [...]}'));
    }
    expect(() => Vocab.fromJSON([], 'ck/vocab.json')).toThrow('ck/vocab.json: expected a JSON object');
  });

  it('readVocab: a missing file, a directory', () => {
    expect(() => readVocab(join(dir, 'none.json'))).toThrow(new DataError(`${join(dir, 'none.json')}: no such file`));
    expect(() => readVocab(dir)).toThrow(new RegExp(`^${dir}: cannot read \\(`));
  });
});
