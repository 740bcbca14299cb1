import { describe, expect, it } from 'vitest';
import { statementPlacement } from '../../src/check/rules/statement-placement.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, unread, withCells } from './helpers.ts';

const CODE = statementPlacement.name;

describe(`rule statement-placement (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('placement');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a dim declared in a cell', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  dim hidden = 128
  param W: [hidden, in]
  h' = tanh(W @ x)
}
`)).toEqual([
      err(
        CODE,
        'dims cannot be declared in a cell',
        'hidden = 128',
        "a cell's dims are the names in its shapes; they are bound where a model instantiates the cell, e.g. Elman(x, hidden = 128)",
      ),
    ]);
  });

  it('reports a loss in a cell', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  h' = tanh(W @ x)
  loss cross_entropy(h, h)
}
`)).toEqual([
      err(CODE, 'a loss belongs in a model, not in a cell', 'loss cross_entropy(h, h)'),
    ]);
  });

  it('reports a state update in a model', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  e = E[token]
  s' = tanh(e)
  loss cross_entropy(V @ e, next)
}
`))).toEqual([
      err(
        CODE,
        "a model has no states, so it cannot update s'",
        "s' = tanh(e)",
        'recurrences live in cells: write a cell with this state and instantiate it as a layer',
      ),
    ]);
  });

  it('reports a layer inside a cell', () => {
    expect(diagnose({
      'main.rnn': `use "lstm.rnn"

cell Stack(x: [in]) -> h: [hidden] {
  h' = LSTM(x, hidden = 32)
}
`,
      'lstm.rnn': `cell LSTM(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  h' = tanh(W @ x)
}
`,
    })).toEqual([
      err(
        CODE,
        'cell Stack cannot instantiate the layer LSTM',
        'LSTM(x, hidden = 32)',
        'compose layers in a model: h1 = A(x, …) then h2 = B(h1, …)',
      ),
    ]);
  });

  it('reports a layer nested in an expression, and cross_entropy outside the loss', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  y = V @ reverse LSTM(e, hidden = hidden)
  z = cross_entropy(y, next)
  loss cross_entropy(y, next)
}
`))).toEqual([
      err(
        CODE,
        'a layer must be the whole right-hand side of a binding, so that its params can be named after it',
        'reverse LSTM(e, hidden = hidden)',
        'bind it first: h = reverse LSTM(…), then use h',
      ),
      err(
        'causality',
        'reverse LSTM reads the sequence from its end, so it has already seen the token to predict; it cannot feed the loss on next',
        'reverse LSTM(e, hidden = hidden)',
        'remove `reverse`, or predict `token` (an encoder objective) instead of `next`',
      ),
      unread('z', 'value', 'model'),
      err(
        CODE,
        'cross_entropy can only be used as the loss',
        'cross_entropy(y, next)',
        'write: loss cross_entropy(logits, next)',
      ),
    ]);
  });

  it('reports reversing a builtin', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  e = reverse tanh(E[token])
  loss cross_entropy(V @ e, next)
}
`))).toEqual([
      err(CODE, "only layers can be reversed; 'tanh' is not a cell", 'reverse tanh(E[token])'),
    ]);
  });
});
