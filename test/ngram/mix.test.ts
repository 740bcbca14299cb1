// Mixing a neural model with an n-gram per token (src/ngram/mix.ts). Oracles: the neural
// model's own step() distribution and the n-gram's own logProb10, combined here by hand; the
// sum of a distribution over the vocabulary; the likelihood at every λ of a fine grid.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { buildVocab } from '../../src/runtime/data/tokenize.ts';
import { Vocab } from '../../src/runtime/data/vocab.ts';
import { mixedMeanLn, mixProbs, projectedProbs, tuneWeights, VocabProjection } from '../../src/ngram/mix.ts';
import { componentProbs } from '../../src/ngram/mix-text.ts';
import { modelOf } from './helpers.ts';

const NEURAL_TEXT = 'the cat sat on the mat\nthe dog sat on a log\nthe big cat saw a dog\n'.repeat(4);
// The n-gram lacks "big" (so it reads as its <unk>) and has "zebra" (which the neural model lacks).
const NGRAM_TEXT = 'the cat sat on the mat\nthe dog sat on a zebra log\na cat saw the dog\n'.repeat(4) + 'rare words here\n';
const TEXT = 'the big cat sat on a log\nthe dog saw the mat\n';

const vocab = buildVocab('word', NEURAL_TEXT);
const neural = compile('models/word-lstm.rnn', { vocab, dims: { embed: 6, hidden: 8 } }).init(3);
const ngram = modelOf(NGRAM_TEXT, { order: 3, smoothing: 'mkn' });

/** The neural model's next-token distributions after ids[0..i], i = 0 … N−2 (step(), float64 softmax). */
function neuralDistributions(ids: Int32Array): Float64Array[] {
  const out: Float64Array[] = [];
  let state = neural.initialState();
  for (let i = 0; i + 1 < ids.length; i++) {
    const r = neural.step(ids[i], state);
    state = r.state;
    out.push(r.probs);
  }
  return out;
}

/** p_ngram(word | the last two words since the line start), by name, straight from the model. */
function ngramProb(history: string[], word: string): number {
  const v = ngram.vocab;
  const ctx = ['<s>', ...history].slice(-(ngram.order - 1)).map((w) => v.index(w) >= 0 ? v.index(w) : v.unk);
  const id = v.index(word) >= 0 ? v.index(word) : v.unk;
  return Math.pow(10, ngram.logProb10(ctx, 0, ctx.length, id));
}

describe('mixing a neural model with an n-gram', () => {
  const ids = neural.encode(TEXT);
  const words = ids.reduce<string[]>((a, id) => [...a, vocab.tokens[id] === '<eos>' ? '</s>' : vocab.tokens[id]], []);

  it('the mixture gives λ·p_neural + (1−λ)·p_ngram for every token, each computed independently', () => {
    const c = componentProbs(neural, [ngram], TEXT, 'text');
    expect(Array.from(c.ids)).toEqual(Array.from(ids));
    const lambda = 0.37;
    const mixed = mixProbs(c.probs, [lambda, 1 - lambda]);
    const dists = neuralDistributions(ids);
    // Neural tokens sharing the n-gram's <unk>: "big" and the neural <unk> itself.
    const sharingUnk = vocab.tokens.filter((t) => t !== '<eos>' && ngram.vocab.index(t) < 0).length + 1;
    let checked = 0;
    for (let i = 1; i < ids.length; i++) {
      const sentence = words.slice(0, i).lastIndexOf('</s>') + 1;
      const history = words.slice(sentence, i);
      const w = words[i];
      const known = ngram.vocab.index(w) >= 0;
      const p2 = known ? ngramProb(history, w) : ngramProb(history, '<unk>') / sharingUnk;
      const p1 = dists[i - 1][ids[i]];
      expect(mixed[i - 1]).toBeCloseTo(lambda * p1 + (1 - lambda) * p2, 6);
      expect(c.probs[1][i - 1]).toBeCloseTo(p2, 12);
      checked++;
    }
    expect(checked).toBe(ids.length - 1);
    expect(sharingUnk).toBe(2); // "big" and <unk>: the case is really exercised
  });

  it('the mixed distribution sums to 1 over the neural vocabulary at every position (vocabularies differ both ways)', () => {
    const proj = new VocabProjection(ngram, vocab);
    expect(proj.unmapped.length).toBeGreaterThan(0); // "zebra", "rare", … give their mass to the neural <unk>
    const dists = neuralDistributions(ids);
    proj.observe(ids[0]);
    for (let i = 1; i < ids.length; i++) {
      const q = proj.distribution();
      const mixed = dists[i - 1].map((p, v) => 0.6 * p + 0.4 * q[v]);
      expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      expect(mixed.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      // prob() agrees with the distribution it belongs to.
      for (let v = 0; v < vocab.size; v++) expect(proj.prob(v)).toBeCloseTo(q[v], 14);
      proj.observe(ids[i]);
    }
  });

  it('without a neural <unk> (characters) the mass of characters it lacks is renormalised away', () => {
    const chars = new Vocab('char', [...'\n abcdet']);
    const m = modelOf('a cat ate the bat\nzebra tea\n'.repeat(3), { order: 3, smoothing: 'kn' }, 'char');
    const proj = new VocabProjection(m, chars);
    expect(proj.unk).toBe(-1);
    for (const c of 'a cat\nbed') {
      const q = proj.distribution();
      expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      proj.observe(chars.index(c));
    }
    const ids = chars.encode('a tea\ncat');
    const p = projectedProbs(m, chars, ids);
    expect(p.every((x) => x > 0 && x < 1)).toBe(true);
  });
});

describe('tuning the weights (EM)', () => {
  it('finds the analytic optimum N₁/N when each token is predicted by one model only', () => {
    // 30 tokens only model 1 predicts, 70 only model 2: the likelihood is λ^30 (1−λ)^70 × const.
    const p1 = Float64Array.from({ length: 100 }, (_, i) => (i < 30 ? 0.2 + i / 100 : 0));
    const p2 = Float64Array.from({ length: 100 }, (_, i) => (i < 30 ? 0 : 0.05 + i / 200));
    const t = tuneWeights([p1, p2]);
    expect(t.weights[0]).toBeCloseTo(0.3, 6);
  });

  it('the tuned λ minimises the perplexity over a fine grid (random probabilities, 2 and 3 models)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const p1 = Float64Array.from({ length: 500 }, () => rand() ** 3);
    const p2 = Float64Array.from({ length: 500 }, () => rand() ** 2);
    const t = tuneWeights([p1, p2], { tol: 1e-10 });
    let best = -Infinity;
    let bestL = 0;
    for (let l = 0; l <= 1; l += 1e-4) {
      const v = mixedMeanLn([p1, p2], [l, 1 - l]);
      if (v > best) [best, bestL] = [v, l];
    }
    expect(t.meanLn).toBeGreaterThanOrEqual(best - 1e-12);
    expect(Math.abs(t.weights[0] - bestL)).toBeLessThan(2e-4);
    expect(bestL).toBeGreaterThan(0.05); // an interior optimum, not a boundary
    expect(bestL).toBeLessThan(0.95);
    const p3 = Float64Array.from({ length: 500 }, () => rand());
    const t3 = tuneWeights([p1, p2, p3], { tol: 1e-10 });
    for (let a = 0; a <= 1; a += 0.01) for (let b = 0; a + b <= 1; b += 0.01) expect(t3.meanLn).toBeGreaterThanOrEqual(mixedMeanLn([p1, p2, p3], [a, b, 1 - a - b]) - 1e-12);
  });
});
