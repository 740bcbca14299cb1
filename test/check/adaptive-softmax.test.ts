import { describe, expect, it } from 'vitest';
import { adaptiveSoftmax } from '../../src/check/rules/adaptive-softmax.ts';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/frontend.ts';
import { readFromDisk } from '../../src/syntax/load.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, withCells } from './helpers.ts';

const CODE = adaptiveSoftmax.name;

const model = (loss: string, extra = '', vocab = 'dim vocab') => withCells(`model A {
  ${vocab}
  dim embed = 8
  param E: [vocab, embed]
  param b: [vocab]
  param C: [2, embed]
  param c: [2]${extra}
  h = LSTM(E[token], hidden = embed)
  loss ${loss}
}
`);

describe(`rule adaptive-softmax (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('adaptive-softmax');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('accepts the tied head with and without a bias, and no other check objects', () => {
    expect(diagnose(model('adaptive_cross_entropy(E @ h + b, C @ h + c, next, 20, 60)'))).toEqual([]);
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(E @ h, C @ h, next, 20, 60)'))).toEqual([]);
  });

  it('reports word logits that are not W @ h + b, with a caret on them', () => {
    const hint = 'the training code computes only the rows of W the targets need; e.g. loss adaptive_cross_entropy(E @ h + b, C @ h + c, next, 2000, 6000)';
    const message = 'the word logits of adaptive_cross_entropy must be W @ h + b: a param matrix times a vector, plus a param bias (or none)';
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(tanh(E @ h) + b, C @ h + c, next, 20, 60)'))).toEqual([err(CODE, message, 'tanh(E @ h) + b', hint)]);
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(E @ h + E @ h, C @ h + c, next, 20, 60)'))).toEqual([err(CODE, message, 'E @ h + E @ h', hint)]);
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(E @ (M @ h) + b, C @ h + c, next, 20, 60)', '\n  param M: [embed, embed]'))).toEqual([]);
  });

  it('reports cutoffs that are not increasing integers from 1, or that leave the last cluster empty', () => {
    const hint = 'each ends a cluster of the frequency-sorted vocabulary: the head is [0, c_1), the clusters [c_1, c_2) … [c_K, vocab)';
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(E @ h + b, C @ h + c, next, 60, 20)'))).toEqual([
      err(CODE, 'the cutoffs of adaptive_cross_entropy must be integer literals, increasing from 1 (this one must exceed 60)', '20', hint),
    ]);
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(E @ h + b, C @ h + c, next, 0.5, 20)'))).toEqual([
      err(CODE, 'the cutoffs of adaptive_cross_entropy must be integer literals, increasing from 1', '0.5', hint),
    ]);
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(E @ h + b, C @ h + c, next, 20, 100)', '', 'dim vocab = 100'))).toEqual([
      err(CODE, 'the last cutoff (100) must be below vocab (100): the last cluster would be empty', '100', 'cut the vocabulary where the words get rare, e.g. 2000 of 10000'),
    ]);
  });

  it('reports cluster logits without one entry per cutoff, and a target other than next', () => {
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(E @ h + b, C @ h + c, next, 20)'))).toEqual([
      err(CODE, 'the cluster logits of adaptive_cross_entropy need one entry per tail cluster (1, one per cutoff), but C @ h + c: [2]', 'C @ h + c', 'e.g. C @ h + c with param C: [1, d], c: [1]'),
    ]);
    expect(diagnoseCode(CODE, model('adaptive_cross_entropy(E @ h + b, C @ h + c, token, 20, 60)'))).toEqual([
      err(CODE, 'the target of adaptive_cross_entropy must be `next`', 'token', "it is a language model's output layer: loss adaptive_cross_entropy(E @ h + b, C @ h + c, next, 2000, 6000)"),
    ]);
  });

  it('is the loss: elsewhere the placement rule reports it', () => {
    const files = model('cross_entropy(E @ h + b, next)');
    files['main.rnn'] = files['main.rnn'].replace('  loss cross', '  z = adaptive_cross_entropy(E @ h + b, C @ h + c, next, 20, 60)\n  loss cross');
    const found = diagnose(files);
    expect(found.some((d) => d.code === 'placement' && d.message === 'adaptive_cross_entropy can only be used as the loss')).toBe(true);
  });
});

describe('grammar/README.md', () => {
  it('its adaptive.rnn example checks clean and has the cutoffs the text names', () => {
    const block = /```rnn\n(# adaptive\.rnn[\s\S]*?)```/.exec(readFileSync('grammar/README.md', 'utf8'))![1];
    const path = 'models/__readme_adaptive.rnn';
    const a = analyze(path, { dims: { vocab: 10000 }, readFile: (p) => (p.endsWith('__readme_adaptive.rnn') ? block : readFromDisk(p)) });
    expect(a.diagnostics).toEqual([]);
    const loss = a.models[0].step.find((s) => s.expr.op === 'adaptive_cross_entropy')!.expr;
    expect(loss.op === 'adaptive_cross_entropy' && loss.cutoffs).toEqual([2000, 6000]);
  });
});
