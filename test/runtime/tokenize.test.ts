// Vocabularies and tokenisation: char vocabularies in code-point order; word vocabularies
// in the PTB convention (`<eos>` at each line end, `<unk>` for OOV, order of TF's reader.py:
// descending count, then Python's string order); vocab.json; user-facing DataErrors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/runtime/data/errors.ts';
import { buildCharVocab, buildVocab, buildWordVocab, countWords, tokenize } from '../../src/runtime/data/tokenize.ts';
import { assertSameVocab, EOS, forEachWord, lineColumn, readVocab, UNK, Vocab } from '../../src/runtime/data/vocab.ts';

const words = (text: string) => {
  const out: string[] = [];
  forEachWord(text, (w) => out.push(w));
  return out;
};

/** Runs `f`, expects a DataError, and returns its message. */
function dataError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).name).toBe('DataError');
    return (e as Error).message;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

describe('char vocabulary', () => {
  it('the distinct characters, sorted by code point', () => {
    expect(buildCharVocab('hello, World!\n').tokens).toEqual(['\n', ' ', '!', ',', 'W', 'd', 'e', 'h', 'l', 'o', 'r']);
    // Code points: a U+0061 < é U+00E9 < ！ U+FF01 < 😀 U+1F600 (UTF-16 unit order would put 😀, D83D…, before ！).
    const v = buildCharVocab('😀！éa😀a');
    expect(v.tokens).toEqual(['a', 'é', '！', '😀']);
    expect(v.kind).toBe('char');
    expect(v.unk).toBe(-1);
    expect(v.eos).toBe(-1);
  });

  // ASCII, the rest of the BMP (lone surrogates included) and astral code points.
  const codePoint = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }));
  const textArb = fc.array(codePoint, { minLength: 1, maxLength: 40 }).map((cps) => String.fromCodePoint(...cps));

  it('property: tokens are sorted by code point, distinct, and cover the text', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const v = buildCharVocab(text);
        const cps = v.tokens.map((t) => t.codePointAt(0)!);
        for (let i = 1; i < cps.length; i++) expect(cps[i]).toBeGreaterThan(cps[i - 1]);
        expect(new Set(v.tokens)).toEqual(new Set([...text]));
        const ids = v.encode(text);
        expect(ids.length).toBe([...text].length);
        expect(v.decode(ids)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('encodes code points (an emoji is one token) and decodes back', () => {
    const v = buildCharVocab('ab😀\n');
    const ids = tokenize('a😀b\n😀', v);
    expect(Array.from(ids)).toEqual([v.index('a'), v.index('😀'), v.index('b'), v.index('\n'), v.index('😀')]);
    expect(v.decode(ids)).toBe('a😀b\n😀');
  });

  it('a lone surrogate is a character of its own, in the vocabulary and in the encoding', () => {
    const text = 'x\ud800y\udc00';
    const v = buildCharVocab(text);
    expect(v.tokens).toEqual(['x', 'y', '\ud800', '\udc00']);
    expect(Array.from(v.encode(text))).toEqual([0, 2, 1, 3]);
    expect(v.decode(v.encode(text))).toBe(text);
  });

  it('a character missing from the vocabulary is a DataError with its line and column', () => {
    const v = buildCharVocab('abc\n');
    expect(dataError(() => v.encode('ab\nc\nbxa', 'prompt'))).toBe("prompt:3:2: character 'x' (U+0078) is not in the vocabulary (4 characters)");
    expect(dataError(() => v.encode('a\tb'))).toBe('text:1:2: character U+0009 is not in the vocabulary (4 characters)');
    // Columns count code points: the missing 'z' after two emoji is column 3.
    const e = buildCharVocab('😀a\n');
    expect(dataError(() => e.encode('a\n😀😀z', 'valid.txt'))).toMatch(/^valid\.txt:2:3: character 'z' \(U\+007A\)/);
    expect(dataError(() => v.encode('a😀'))).toMatch(/^text:1:2: character '😀' \(U\+1F600\) is not in the vocabulary/);
    expect(lineColumn('ab\ncd\n\nef', 7)).toEqual({ line: 4, col: 1 });
    expect(lineColumn('ab\ncd\n\nef', 8)).toEqual({ line: 4, col: 2 });
  });

  it('empty text has no vocabulary', () => {
    expect(dataError(() => buildCharVocab(''))).toMatch(/empty text/);
  });
});

describe('word tokens (PTB convention)', () => {
  it('whitespace-separated words, <eos> at the end of each line', () => {
    expect(words('the cat  sat\n\tthe dog \n')).toEqual(['the', 'cat', 'sat', EOS, 'the', 'dog', EOS]);
    // A last line without a newline still ends with <eos>; a trailing newline adds no line;
    // an empty line is just <eos>; '\r\n' is a newline.
    expect(words('a\n\nb')).toEqual(['a', EOS, EOS, 'b', EOS]);
    expect(words('a b\r\nc\r\n')).toEqual(['a', 'b', EOS, 'c', EOS]);
    expect(words('\n')).toEqual([EOS]);
  });

  it('empty text has no line and no token (as Python reading an empty file)', () => {
    expect(words('')).toEqual([]);
    expect(countWords('').size).toBe(0);
    const v = buildWordVocab('a\n');
    expect(Array.from(v.encode(''))).toEqual([]);
  });
});

describe('word vocabulary', () => {
  const text = 'the cat sat\nthe dog\n\nthe end';

  it('sorted by descending count, then by word; <unk> always present; OOV → <unk>', () => {
    const v = buildWordVocab(text);
    // <eos> 4, the 3, then cat, dog, end, sat once each, then <unk> (0) last.
    expect(v.tokens).toEqual([EOS, 'the', 'cat', 'dog', 'end', 'sat', UNK]);
    expect(v.kind).toBe('word');
    expect(v.eos).toBe(0);
    expect(v.unk).toBe(6);
    expect(Array.from(v.encode(text))).toEqual([1, 2, 5, 0, 1, 3, 0, 0, 1, 4, 0]);
    expect(Array.from(tokenize('the cow sat\n', v))).toEqual([1, 6, 5, 0]);
    expect(v.decode(v.encode('the cat\nthe  end\n'))).toBe('the cat\nthe end\n');
  });

  it("ties are in Python's (code-point) order, as TF's reader.py sorts with key (-count, word)", () => {
    // Python: sorted(Counter(" b 😀 ！ a \n ！ 😀 <unk> z \n".replace("\n", "<eos>").split()).items(),
    //                key=lambda x: (-x[1], x[0]))
    //   → <eos> 2, ！ 2, 😀 2, <unk> 1, a 1, b 1, z 1
    const v = buildWordVocab(' b 😀 ！ a \n ！ 😀 <unk> z \n');
    expect(v.tokens).toEqual([EOS, '！', '😀', UNK, 'a', 'b', 'z']);
  });

  it('a corpus that already has <unk> (PTB) counts its occurrences', () => {
    const v = buildWordVocab('a <unk> b\n<unk> a <unk>\n');
    // <unk> 3, <eos> 2, a 2, b 1
    expect(v.tokens).toEqual([UNK, EOS, 'a', 'b']);
  });

  it('min-count: rarer words become <unk>, whose count includes them', () => {
    const t = 'a a b c c c d\ne\n';
    // a 2, b 1, c 3, d 1, e 1, <eos> 2. minCount 2 keeps c, a; <unk> = 1 + 1 + 1 = 3.
    const v = buildWordVocab(t, { minCount: 2 });
    expect(v.tokens).toEqual([UNK, 'c', EOS, 'a']);
    expect(Array.from(v.encode('a b c\n'))).toEqual([3, 0, 1, 2]);
    expect(buildWordVocab(t, { minCount: 4 }).tokens).toEqual([UNK, EOS]);
    expect(buildVocab('word', t, { minCount: 2 }).equals(v)).toBe(true);
  });

  it('max-vocab: at most that many tokens, <eos> and <unk> included, the most frequent kept', () => {
    const t = 'a a b c c c d\ne\n';
    expect(buildWordVocab(t, { maxVocab: 4 }).tokens).toEqual([UNK, 'c', EOS, 'a']);
    expect(buildWordVocab(t, { maxVocab: 3 }).tokens).toEqual([UNK, 'c', EOS]); // <unk> 5
    expect(buildWordVocab(t, { maxVocab: 2 }).tokens).toEqual([UNK, EOS]);
    // Equal counts: the first words in order are kept (b, d kept over e, which makes <unk> 1).
    expect(buildWordVocab(t, { maxVocab: 6 }).tokens).toEqual(['c', EOS, 'a', UNK, 'b', 'd']);
    expect(buildWordVocab(t, { maxVocab: 100 }).size).toBe(7);
    // Both options: min-count first, then the cap.
    expect(buildWordVocab(t, { minCount: 2, maxVocab: 3 }).tokens).toEqual([UNK, 'c', EOS]);
  });

  it('property: size ≤ max-vocab, every kept word has count ≥ min-count, encode never fails', () => {
    const word = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
    const line = fc.array(word, { maxLength: 6 }).map((ws) => ws.join(' '));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 9 }), (lines, minCount, maxVocab) => {
        const t = lines.join('\n') + '\n';
        const counts = countWords(t);
        const v = buildWordVocab(t, { minCount, maxVocab });
        expect(v.size).toBeLessThanOrEqual(maxVocab);
        expect(v.has(EOS) && v.has(UNK)).toBe(true);
        for (const w of v.tokens) if (w !== EOS && w !== UNK) expect(counts.get(w)!).toBeGreaterThanOrEqual(minCount);
        const ids = v.encode(t);
        expect(ids.length).toBe([...counts.values()].reduce((a, b) => a + b, 0));
        for (const id of ids) expect(v.token(id) === UNK || counts.has(v.token(id))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('bad options are DataErrors naming the flag', () => {
    expect(dataError(() => buildWordVocab('a\n', { minCount: 0 }))).toMatch(/--min-count must be an integer ≥ 1 \(got 0\)/);
    expect(dataError(() => buildWordVocab('a\n', { minCount: 1.5 }))).toMatch(/--min-count/);
    expect(dataError(() => buildWordVocab('a\n', { maxVocab: 1 }))).toMatch(/--max-vocab must be an integer ≥ 2/);
  });
});

describe('Vocab validation', () => {
  it('errors are DataErrors with clear messages', () => {
    expect(dataError(() => new Vocab('char', []))).toBe('vocabulary: has no tokens');
    expect(dataError(() => new Vocab('word', [], 'vocab.json'))).toBe('vocab.json: has no tokens');
    expect(dataError(() => new Vocab('char', ['a', 'b', 'a']))).toBe('vocabulary: token "a" appears twice (ids 0 and 2)');
    expect(dataError(() => new Vocab('word', [EOS, UNK, 'x', 'x']))).toMatch(/token "x" appears twice \(ids 2 and 3\)/);
    expect(dataError(() => new Vocab('char', ['a', 'bc']))).toMatch(/token 1 \("bc"\) is not a single character/);
    expect(dataError(() => new Vocab('char', ['a', '']))).toMatch(/token 1 \(""\) is not a single character/);
    expect(dataError(() => new Vocab('word', [EOS, UNK, 'a b']))).toMatch(/token 2 \("a b"\) is empty or contains whitespace/);
    expect(dataError(() => new Vocab('word', [EOS, UNK, '']))).toMatch(/token 2/);
    expect(dataError(() => new Vocab('word', ['a', UNK]))).toMatch(/a word vocabulary must contain <eos>/);
    expect(dataError(() => new Vocab('word', ['a', EOS]))).toMatch(/must contain <unk>/);
    expect(dataError(() => new Vocab('bpe' as 'char', ['a']))).toMatch(/kind must be "char" or "word"/);
    expect(dataError(() => new Vocab('char', ['a', 3 as unknown as string]))).toMatch(/token 1 is not a string/);
  });

  it('token(id) outside the vocabulary is a RangeError; index of an absent token is -1', () => {
    const v = new Vocab('char', ['a', 'b']);
    expect(v.token(1)).toBe('b');
    expect(() => v.token(2)).toThrow(RangeError);
    expect(() => v.token(-1)).toThrow(RangeError);
    expect(v.index('z')).toBe(-1);
  });
});

describe('vocab.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-vocab-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round trip through a file: toJSON → readVocab gives an equal vocabulary', () => {
    for (const v of [buildCharVocab('héllo 😀\n\t'), buildWordVocab('the cat sat\nthe <unk>\n', { minCount: 1 })]) {
      const path = join(dir, `${v.kind}.json`);
      writeFileSync(path, JSON.stringify(v.toJSON()));
      const back = readVocab(path);
      expect(back.equals(v)).toBe(true);
      expect(back.tokens).toEqual(v.tokens);
      expect(v.toJSON()).toEqual({ version: 1, kind: v.kind, tokens: [...v.tokens] });
    }
  });

  it('malformed files are DataErrors naming the file', () => {
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const missing = join(dir, 'nope.json');
    expect(dataError(() => readVocab(missing))).toBe(`${missing}: no such file`);
    const bad = write('bad.json', '{"kind": "char", "tokens": [');
    expect(dataError(() => readVocab(bad))).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
    expect(dataError(() => readVocab(write('arr.json', '["a"]')))).toMatch(/arr\.json: expected a JSON object/);
    expect(dataError(() => readVocab(write('v2.json', '{"version": 2, "kind": "char", "tokens": ["a"]}')))).toMatch(/v2\.json: unsupported version 2/);
    expect(dataError(() => readVocab(write('kind.json', '{"tokens": ["a"]}')))).toMatch(/kind\.json: "kind" must be "char" or "word"/);
    expect(dataError(() => readVocab(write('tok.json', '{"kind": "char", "tokens": "ab"}')))).toMatch(/tok\.json: "tokens" must be an array of strings/);
    expect(dataError(() => readVocab(write('dup.json', '{"kind": "char", "tokens": ["a", "a"]}')))).toMatch(/dup\.json: token "a" appears twice/);
    expect(dataError(() => readVocab(write('empty.json', '{"kind": "word", "tokens": []}')))).toMatch(/empty\.json: has no tokens/);
    // version may be absent
    expect(Vocab.fromJSON({ kind: 'char', tokens: ['a'] }).size).toBe(1);
  });

  it('assertSameVocab names the first difference', () => {
    const a = new Vocab('char', ['a', 'b', 'c']);
    expect(() => assertSameVocab(a, new Vocab('char', ['a', 'b', 'c']))).not.toThrow();
    expect(dataError(() => assertSameVocab(a, new Vocab('char', ['a', 'x', 'c']), 'checkpoint vocab'))).toBe('checkpoint vocab: token 1 is "x" where "b" is expected');
    expect(dataError(() => assertSameVocab(a, new Vocab('char', ['a', 'b'])))).toBe('vocabulary: 2 tokens where 3 are expected');
    expect(dataError(() => assertSameVocab(a, new Vocab('word', [EOS, UNK, 'c'])))).toMatch(/a word-level vocabulary where a char-level one is expected/);
  });
});
