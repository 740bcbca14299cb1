// scoreArpaText: an ARPA model scoring a text token by token, as `rnnc score` prints it for a
// checkpoint. Oracles: the model's own logProb10 on the contexts written out by hand, and
// the same text without a character the model lacks.
import { describe, expect, it } from 'vitest';
import { scoreArpaText } from '../../src/ngram/arpa-text.ts';
import { modelOf, prob } from './helpers.ts';

describe('scoreArpaText', () => {
  it('word level: the first token unscored, each next from its context since <s>; <unk> words are OOV', () => {
    const m = modelOf('the cat sat\nthe dog sat\na cat ran\n'.repeat(3), { order: 3, smoothing: 'mkn' });
    const r = scoreArpaText(m, 'the cat sat\na zebra ran\n');
    const words = r.tokens.map((t) => t.token);
    expect(words).toEqual(['the', 'cat', 'sat', '<eos>', 'a', 'zebra', 'ran', '<eos>']);
    const want = [null, prob(m, '<s>', 'the', 'cat'), prob(m, 'the', 'cat', 'sat'), prob(m, 'cat', 'sat', '</s>'), prob(m, '<s>', 'a'), prob(m, '<s>', 'a', '<unk>'), prob(m, 'a', '<unk>', 'ran'), prob(m, '<unk>', 'ran', '</s>')];
    r.tokens.forEach((t, i) => (want[i] === null ? expect(t.ln).toBeNull() : expect(t.ln!).toBeCloseTo(Math.log(want[i]!), 12)));
    expect(r.tokens.filter((t) => t.oov).map((t) => t.token)).toEqual(['zebra']);
    expect(r.totals.predicted).toBe(7);
    expect(r.totals.ln).toBeCloseTo(want.slice(1).reduce<number>((a, p) => a + Math.log(p!), 0), 10);
  });

  it('char level: a character the model lacks is OOV and skipped, the rest scored as in the text without it', () => {
    const m = modelOf('abc ab\ncab ba\n'.repeat(4), { order: 3, smoothing: 'kn' }, 'char');
    const a = scoreArpaText(m, 'ab cz\nba\n');
    const b = scoreArpaText(m, 'ab c\nba\n');
    expect(a.tokens.find((t) => t.token === 'z')).toEqual({ token: 'z', id: null, ln: null, log10: null, oov: true });
    expect(a.tokens.filter((t) => t.token !== 'z').map((t) => t.ln)).toEqual(b.tokens.map((t) => t.ln));
    expect(a.totals.oov).toBe(1);
    expect(a.totals.perplexityExcludingOov).toBeCloseTo(b.totals.perplexityIncludingOov, 12);
  });
});
