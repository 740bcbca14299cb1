// Scoring: the two protocols, the running scorer a mixer uses, and tokens from another
// vocabulary (a neural model's) mapped by name.
import { describe, expect, it } from 'vitest';
import { buildWordVocab } from '../../src/runtime/data/tokenize.ts';
import { evaluateNgram, NgramScorer, scoreTokens, scoreVocabTokens } from '../../src/ngram/score.ts';
import { modelOf, prob } from './helpers.ts';

const TEXT = 'a b c\nb c a\nc a b a\n';

describe('scoring', () => {
  const m = modelOf(TEXT, { order: 3 });

  it('each token from its sentence: <s> at the start and after every </s>', () => {
    const lp = scoreTokens(m, m.vocab.encode('b c\na\n'));
    const expected = [prob(m, '<s>', 'b'), prob(m, '<s>', 'b', 'c'), prob(m, 'b', 'c', '</s>'), prob(m, '<s>', 'a'), prob(m, '<s>', 'a', '</s>')].map(Math.log);
    expect(Array.from(lp)).toEqual(expected.map((x) => expect.closeTo(x, 12)));
  });

  it("'stream' (rnnc eval's) leaves out the first prediction; 'sentences' (SRILM's) keeps it", () => {
    const ids = m.vocab.encode(TEXT);
    const lp = scoreTokens(m, ids);
    const sum = (from: number) => lp.slice(from).reduce((s, x) => s - x, 0);
    expect(evaluateNgram(m, ids, 'stream')).toMatchObject({ tokens: ids.length - 1, loss: expect.closeTo(sum(1) / (ids.length - 1), 12) });
    expect(evaluateNgram(m, ids, 'sentences')).toMatchObject({ tokens: ids.length, loss: expect.closeTo(sum(0) / ids.length, 12) });
  });

  it('NgramScorer: observe, logProb and a normalised distribution', () => {
    const s = new NgramScorer(m);
    s.observe(m.vocab.index('c'));
    s.observe(m.vocab.index('a'));
    expect(s.logProb(m.vocab.index('b'))).toBeCloseTo(Math.log(prob(m, 'c', 'a', 'b')), 12);
    const d = s.distribution();
    expect(d[m.vocab.bos]).toBe(0);
    expect(d.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    s.observe(m.vocab.eos); // a new sentence
    expect(s.logProb(m.vocab.index('a'))).toBeCloseTo(Math.log(prob(m, '<s>', 'a')), 12);
  });

  it("tokens of another vocabulary are mapped by name; words the model lacks are <unk>", () => {
    const other = buildWordVocab('z a b c z z\n'); // another order, and a word "z" the model never saw
    const ids = other.encode('a z c\n');
    const lp = scoreVocabTokens(m, other, ids);
    expect(Array.from(lp)).toEqual(Array.from(scoreTokens(m, m.vocab.encode('a <unk> c\n'))));
    expect(lp[1]).toBeCloseTo(Math.log(prob(m, '<s>', 'a', '<unk>')), 12);
  });
});
