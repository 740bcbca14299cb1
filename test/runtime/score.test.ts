// scoreText (what `rnnc score` and --mix read) against step(): ln p of each token is the log of
// the probability the model gives it after reading every token before it from a zero state;
// scoreTotals against sums written out by hand, as KenLM's query reports them.
import { describe, expect, it } from 'vitest';
import { compile, type LanguageModel } from '../../src/runtime/model.ts';
import { scoreText, scoreTotals, type TokenScore } from '../../src/runtime/score.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { Vocab } from '../../src/runtime/data/vocab.ts';
import { DataError } from '../../src/runtime/data/errors.ts';

const FILE = 'test/runtime/models/tiny-dropout.rnn';
const vocab = buildCharVocab('the cat sat on the mat.\n');
const model = compile(FILE, { vocab }).init(12);

/** ln p of ids[1], ids[2], … by step(), the state carried. */
function chained(m: LanguageModel, ids: number[]): number[] {
  let r = m.step(ids[0]);
  const out: number[] = [];
  for (let k = 1; k < ids.length; k++) {
    out.push(Math.log(r.probs[ids[k]]));
    r = m.step(ids[k], r.state);
  }
  return out;
}

describe('scoreText', () => {
  it('each token\'s ln p is the chained step() probability; the first has none; log10 = ln / ln 10', () => {
    const text = 'the mat sat on the cat.\nthe';
    for (const window of [3, 64]) {
      const s = scoreText(model, text, { window });
      const ids = Array.from(vocab.encode(text));
      expect(s.tokens.map((t) => t.token)).toEqual([...text]);
      expect(s.tokens.map((t) => t.id)).toEqual(ids);
      expect(s.tokens[0].ln).toBeNull();
      expect(s.tokens[0].log10).toBeNull();
      chained(model, ids).forEach((ln, k) => {
        const t = s.tokens[k + 1];
        expect(t.ln!).toBeCloseTo(ln, 5);
        expect(t.log10!).toBeCloseTo(t.ln! / Math.LN10, 12);
        expect(t.oov).toBe(false);
      });
      expect(s.totals).toMatchObject({ tokens: text.length, predicted: text.length - 1, oov: 0 });
      expect(Math.abs(s.eval.loss * s.eval.tokens + s.totals.ln)).toBeLessThan(1e-6 * Math.abs(s.totals.ln));
    }
  });

  it('a character the vocabulary lacks is OOV with no id and no score, and the rest score as without it', () => {
    const a = scoreText(model, 'the Zcat');
    const b = scoreText(model, 'the cat');
    expect(a.tokens[4]).toEqual({ token: 'Z', id: null, ln: null, log10: null, oov: true });
    expect(a.tokens.filter((t) => t.token !== 'Z')).toEqual(b.tokens);
    expect(a.totals).toMatchObject({ tokens: 8, predicted: 6, oov: 1 });
    const first = scoreText(model, 'Zthe');
    expect(first.tokens.map((t) => t.ln === null)).toEqual([true, true, false, false]);
  });

  it('word models: an unknown word and <unk> itself are OOV, scored as <unk>', () => {
    const words = new Vocab('word', ['<eos>', '<unk>', 'the', 'cat', 'sat']);
    const m = compile(FILE, { vocab: words }).init(2);
    const s = scoreText(m, 'the dog sat <unk> cat\n');
    expect(s.tokens.map((t) => [t.token, t.id, t.oov])).toEqual([['the', 2, false], ['dog', 1, true], ['sat', 4, false], ['<unk>', 1, true], ['cat', 3, false], ['<eos>', 0, false]]);
    chained(m, [2, 1, 4, 1, 3, 0]).forEach((ln, k) => expect(s.tokens[k + 1].ln!).toBeCloseTo(ln, 5));
  });

  it('refuses a model without a vocabulary and a text with fewer than 2 known tokens, naming it', () => {
    const bare = compile(FILE, { dims: { vocab: vocab.size } });
    expect(() => scoreText(bare, 'the cat')).toThrow(new DataError('model TinyDropout has no vocabulary, so it cannot read text'));
    expect(() => scoreText(model, 'tZ')).toThrow(new DataError('text: 1 token the model knows; scoring needs at least 2'));
    expect(() => scoreText(model, 'ZZZ', { what: 'stdin' })).toThrow(new DataError('stdin: 0 tokens the model knows; scoring needs at least 2'));
    expect(scoreText(model, 'th').totals.predicted).toBe(1);
  });
});

describe('scoreTotals', () => {
  const tok = (ln: number | null, oov = false): TokenScore => ({ token: 'x', id: 0, ln, log10: ln === null ? null : ln / Math.LN10, oov });

  it('sums the predicted tokens; perplexity with all of them and without the OOVs', () => {
    const t = scoreTotals([tok(null), tok(-1), tok(-2, true), tok(-3), tok(null, true), tok(-0.5, true)]);
    expect(t.tokens).toBe(6);
    expect(t.predicted).toBe(4);
    expect(t.oov).toBe(3);
    expect(t.ln).toBeCloseTo(-6.5, 14);
    expect(t.log10).toBeCloseTo(-6.5 / Math.LN10, 14);
    expect(t.perplexityIncludingOov).toBeCloseTo(Math.exp(6.5 / 4), 12);
    expect(t.perplexityExcludingOov).toBeCloseTo(Math.exp(4 / 2), 12);
  });

  it('without a prediction of a known token, the perplexity excluding OOVs is NaN', () => {
    const t = scoreTotals([tok(null), tok(-2, true)]);
    expect(t.perplexityIncludingOov).toBeCloseTo(Math.exp(2), 14);
    expect(t.perplexityExcludingOov).toBeNaN();
  });
});
