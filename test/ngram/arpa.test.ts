// ARPA files: a file written by hand is read with the right backoff lookups; what rnnc writes
// reads back to the same probabilities; a bad file is one error naming its line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArpa, readArpa } from '../../src/ngram/arpa-read.ts';
import { arpaText, writeArpa } from '../../src/ngram/arpa-write.ts';
import { evaluateNgram } from '../../src/ngram/score.ts';
import { modelOf, prob, storedContexts } from './helpers.ts';

const HAND = new URL('./fixtures/hand.arpa', import.meta.url).pathname;

describe('a hand-written ARPA file', () => {
  const m = readArpa(HAND);
  const log10 = (...w: string[]) => Math.log10(prob(m, ...w));

  it('has its words in file order, and its counts', () => {
    expect(m.vocab.names).toEqual(['</s>', '<s>', 'the', 'cat', 'sat', '<unk>']);
    expect([m.count(1), m.count(2), m.count(3)]).toEqual([6, 4, 3]);
    expect(m.info.smoothing).toBeNull();
  });

  it('looks up stored n-grams and backs off through the stored contexts', () => {
    expect(log10('<s>', 'the')).toBeCloseTo(-0.2, 12); // a stored bigram
    expect(log10('<s>', 'the', 'cat')).toBeCloseTo(-0.05, 12); // a stored trigram
    expect(log10('the', 'cat', 'sat')).toBeCloseTo(-0.1, 12);
    // "<s> the sat" and "the sat" are not stored: backoff(<s> the) + backoff(the) + p(sat)
    expect(log10('<s>', 'the', 'sat')).toBeCloseTo(-0.1 + -0.25 + -1.2, 12);
    // "the cat </s>" not stored: backoff(the cat) + [cat </s> not stored: backoff(cat) + p(</s>)]
    expect(log10('the', 'cat', '</s>')).toBeCloseTo(-0.2 + -0.15 + -0.6, 12);
    // "cat sat" is stored without a backoff weight (0); "sat the" is not: backoff(sat) + p(the)
    expect(log10('cat', 'sat', 'the')).toBeCloseTo(0 + -0.05 + -0.5, 12);
    // The context "sat the" is not stored at all: its weight is 1; "the cat" is stored.
    expect(log10('sat', 'the', 'cat')).toBeCloseTo(-0.4, 12);
  });

  it('keeps an n-gram whose suffix is missing ("the cat the" without "cat the") without inventing one', () => {
    expect(log10('the', 'cat', 'the')).toBeCloseTo(-0.9, 12);
    expect(log10('cat', 'the')).toBeCloseTo(-0.15 + -0.5, 12); // backoff(cat) + p(the)
    expect(m.count(2)).toBe(4); // the blank "cat the" is not an n-gram of the model
    expect(arpaText(m)).not.toMatch(/\tcat the\b/);
  });

  it('scores a line as <s> the cat sat </s>', () => {
    const r = evaluateNgram(m, m.vocab.encode('the cat sat\n'), 'sentences');
    // p(the|<s>) p(cat|<s> the) p(sat|the cat) p(</s>|cat sat) = 10^(−0.2 − 0.05 − 0.1 − 0.35)
    expect(r.tokens).toBe(4);
    expect(r.loss).toBeCloseTo(((0.2 + 0.05 + 0.1 + 0.35) * Math.LN10) / 4, 12);
    // rnnc's protocol does not predict the first token.
    expect(evaluateNgram(m, m.vocab.encode('the cat sat\n'), 'stream').loss).toBeCloseTo(((0.05 + 0.1 + 0.35) * Math.LN10) / 3, 12);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'rnnc-ngram-'));

describe('ARPA round trip: write, read, the same probabilities', () => {
  const corpus = fc.array(fc.array(fc.constantFrom('x', 'y', 'z', 'w'), { maxLength: 5 }), { minLength: 1, maxLength: 6 }).map((ls) => ls.map((l) => l.join(' ')).join('\n') + '\n');

  it('exactly, for every smoothing, order and level, on every stored context and word', () => {
    fc.assert(
      fc.property(corpus, fc.integer({ min: 1, max: 4 }), fc.constantFrom('mkn', 'kn', 'witten-bell', 'add-k', 'stupid-backoff' as const), fc.constantFrom<'word' | 'char'>('word', 'char'), (text, order, smoothing, level) => {
        const m = modelOf(text, { order, smoothing }, level);
        const r = parseArpa(arpaText(m, { decimals: 'exact' }), 'round trip');
        expect(r.vocab.names).toEqual(m.vocab.names);
        expect(r.vocab.level).toBe(level);
        expect(r.info).toEqual(m.info);
        for (const ctx of storedContexts(m)) for (let w = 0; w < m.vocab.size; w++) expect(r.logProb10(ctx, 0, ctx.length, w)).toBe(m.logProb10(ctx, 0, ctx.length, w));
      }),
      { numRuns: 40 },
    );
  });

  it('within the printed precision with the default 7 decimals, through a file', () => {
    const text = 'the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n';
    const m = modelOf(text, { order: 3 });
    const file = join(dir, 'm.arpa');
    writeArpa(file, m);
    const r = readArpa(file);
    for (const ctx of storedContexts(m)) for (let w = 0; w < m.vocab.size; w++) expect(Math.abs(r.logProb10(ctx, 0, ctx.length, w) - m.logProb10(ctx, 0, ctx.length, w))).toBeLessThanOrEqual(5e-7 * 3);
    expect(evaluateNgram(r, r.vocab.encode(text)).perplexity).toBeCloseTo(evaluateNgram(m, m.vocab.encode(text)).perplexity, 5);
  });

  it('writes what KenLM expects: # before \\data\\, tabs, no backoff at the top order, \\end\\ last', () => {
    const t = arpaText(modelOf('a b a\n', { order: 2 }));
    const lines = t.split('\n');
    const data = lines.indexOf('\\data\\');
    expect(lines.slice(0, data).every((l) => l === '' || l.startsWith('#'))).toBe(true);
    // Words a, </s>, b, <unk>, <s>; bigrams <s> a, a b, b a, a </s>.
    expect(lines.slice(data + 1, data + 3)).toEqual(['ngram 1=5', 'ngram 2=4']);
    const bigrams = lines.slice(lines.indexOf('\\2-grams:') + 1, lines.indexOf('\\end\\')).filter((l) => l !== '');
    expect(bigrams).toHaveLength(4);
    for (const l of bigrams) expect(l).toMatch(/^-?\d+(\.\d+)?\t\S+ \S+$/);
    expect(t.endsWith('\\end\\\n')).toBe(true);
    expect(t).toMatch(/\n-99\t<s>\t-\d/); // <s>: never predicted, a context with a backoff weight
  });

  it('char level spells whitespace <U+XXXX> and the newline </s>', () => {
    const m = modelOf('a b\nb a\n', { order: 2 }, 'char');
    const t = arpaText(m);
    expect(t).toMatch(/\t<U\+0020>\t/);
    expect(t).toMatch(/\ta <U\+0020>\n/);
    expect(parseArpa(t).vocab.encode('a b\n')).toEqual(m.vocab.encode('a b\n'));
  });
});

describe('bad ARPA files: one error naming the line', () => {
  const good = ['\\data\\', 'ngram 1=3', 'ngram 2=1', '', '\\1-grams:', '-1\t<s>\t-0.5', '-0.5\ta', '-0.3\t</s>', '', '\\2-grams:', '-0.1\t<s> a', '', '\\end\\'];
  const bad = (edit: (lines: string[]) => void): string => {
    const l = [...good];
    edit(l);
    return l.join('\n');
  };
  it('reads the good one', () => {
    expect(parseArpa(good.join('\n')).count(2)).toBe(1);
  });
  for (const [what, edit, message] of [
    ['a bad number', (l: string[]) => (l[6] = '-0.x\ta'), /^f\.arpa:7: bad log10 probability "-0.x"$/],
    ['a positive log probability', (l: string[]) => (l[6] = '0.5\ta'), /^f\.arpa:7: log10 probability 0.5 is above 0$/],
    ['an unknown word', (l: string[]) => (l[10] = '-0.1\t<s> b'), /^f\.arpa:11: the word "b" is not among the 1-grams$/],
    ['too few n-grams', (l: string[]) => (l[1] = 'ngram 1=4'), /^f\.arpa:10: 3 1-grams where \\data\\ declares 4$/],
    ['an absurd count', (l: string[]) => (l[2] = 'ngram 2=99999999999'), /^f\.arpa:13: 1 2-grams where \\data\\ declares 99999999999$/],
    ['too many n-grams', (l: string[]) => (l[1] = 'ngram 1=2'), /^f\.arpa:8: more 1-grams than the 2 declared in \\data\\$/],
    ['a duplicate', (l: string[]) => l.splice(11, 0, '-0.2\t<s> a'), /^f\.arpa:12: /],
    ['a backoff at the top order', (l: string[]) => (l[10] = '-0.1\t<s> a\t-0.2'), /^f\.arpa:11: a backoff weight \(-0.2\) on a 2-gram of the highest order$/],
    ['a wrong number of fields', (l: string[]) => (l[10] = '-0.1\t<s>'), /^f\.arpa:11: a 2-gram line needs/],
    ['no \\end\\', (l: string[]) => l.pop(), /^f\.arpa:\d+: expected \\end\\, got the end of the file$/],
    ['a missing section', (l: string[]) => (l[9] = '\\3-grams:'), /^f\.arpa:10: expected \\2-grams:, got "\\\\3-grams:"$/],
    ['no <s>', (l: string[]) => ((l[5] = '-1\t<t>\t-0.5'), (l[10] = '-0.1\t<t> a')), /^f\.arpa: has no <s>, which every ARPA model needs$/],
  ] as const) {
    it(what, () => {
      expect(() => parseArpa(bad(edit), 'f.arpa')).toThrow(message);
    });
  }
  it('not an ARPA file at all, a missing file', () => {
    expect(() => parseArpa('hello\n', 'x.txt')).toThrow(/^x\.txt: not an ARPA file \(no \\data\\ line\)$/);
    expect(() => readArpa(join(dir, 'none.arpa'))).toThrow(/none\.arpa: no such file$/);
  });
});
