// ar of a value computed from params alone compiled to an internal error ("the gradient term
// … does not depend on the data"); the check refuses it at the source, with a caret.
import { describe, expect, it } from 'vitest';
import { penaltyData } from '../../src/check/rules/penalty-data.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { analyze } from '../../src/frontend.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, withCells } from './helpers.ts';

const CODE = penaltyData.name;
const MESSAGE = 'ar penalises a value that no token reaches (it is computed from params alone, the same at every step), so there is nothing to regularise per step';
const HINT = "apply ar to a layer's output, e.g. ar(h, 2); to shrink params, train with --weight-decay";

/** A model with a param b, bindings f and g of params alone (the loss reads g), a layer h, and the given penalty. */
const model = (penalty: string): string => `model M {
  dim vocab = 5, n = 3
  param E: [vocab, n]
  param b, c: [n]
  e = E[token]
  h = Elman(e, hidden = n)
  f = tanh(b) + c
  g = f * 2
  loss cross_entropy(E @ (h + g), next)
  loss ${penalty}
}
`;

describe(`rule penalty-data (${CODE})`, () => {
  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it.each([
    ['a param', 'ar(b, 1)', 'b'],
    ['an expression of params', 'ar(tanh(b) * 2 + c, 1)', 'tanh(b) * 2 + c'],
    ['a binding of a binding of params', 'ar(g, 1)', 'g'],
  ])('refuses ar of %s, at the value', (_, penalty, text) => {
    expect(diagnose(withCells(model(penalty)))).toEqual([err(CODE, MESSAGE, text, HINT)]);
  });

  it.each([
    ['a layer', 'ar(h, 2)'],
    ['a token lookup', 'ar(e, 1)'],
    ['params plus a lookup (through a binding)', 'ar(g + E[token], 1)'],
    ['a dropout of a param (its mask is drawn per stream)', 'ar(dropout(b, 0.2), 1)'],
    ['a locked dropout of params', 'ar(locked_dropout(f, 0.2), 1)'],
  ])('accepts ar of %s, which compiles with its gradient', (_, penalty) => {
    const files = withCells(model(penalty));
    expect(diagnose(files)).toEqual([]);
    const a = analyze('main.rnn', { readFile: (p) => files[p.replace(/^.*\//, '')] });
    expect(compileModel(a.models[0]).layout.totalParams).toBeGreaterThan(0);
  });

  it('tar of a param is left to the rule that tar needs a layer (one error, not two)', () => {
    expect(diagnoseCode(CODE, withCells(model('tar(b, 1)')))).toEqual([]);
    expect(diagnose(withCells(model('tar(b, 1)')))).toHaveLength(1);
  });
});
