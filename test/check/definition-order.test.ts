import { describe, expect, it } from 'vitest';
import { definitionOrder } from '../../src/check/rules/definition-order.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, withCells } from './helpers.ts';

const CODE = definitionOrder.name;

describe(`rule definition-order (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('definition-order');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a binding used before the line that defines it', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  h' = tanh(pre)
  pre = W @ x + U @ h
}
`)).toEqual([
      err(CODE, "'pre' is used before it is defined on line 5", 'pre', 'move its definition above this statement'),
    ]);
  });

  it('reports a binding defined in terms of itself in a cell', () => {
    expect(diagnose(`cell Acc(x: [n]) -> h: [n] {
  s = s + x
  h' = s
}
`)).toEqual([
      err(
        CODE,
        "'s' is defined in terms of itself",
        's',
        "a recurrence needs a state: declare it in the cell's -> (…) list and update it with s' = …",
      ),
    ]);
  });

  it('reports a next state used before its update', () => {
    expect(diagnose(`cell LSTM(x: [in]) -> (h: [hidden], c: [hidden]) {
  param W_o, W_c: [hidden, in]
  param U_o, U_c: [hidden, hidden]
  gate o = sigmoid(W_o @ x + U_o @ h)
  h' = o * tanh(c')
  c' = c + tanh(W_c @ x + U_c @ h)
}
`)).toEqual([
      err(
        CODE,
        "c' is used before its update on line 6",
        "c'",
        'use c (the previous state), or move this statement after the update',
      ),
    ]);
  });

  it('reports a next state defined in terms of itself', () => {
    expect(diagnose(`cell Loop(x: [n]) -> h: [n] {
  h' = x + h'
}
`)).toEqual([
      err(
        CODE,
        "h' is defined in terms of itself",
        "h'",
        'use h (the previous state), or move this statement after the update',
      ),
    ]);
  });

  it('reports a self-referential binding in a model, with a model-level hint', () => {
    expect(diagnose(withCells(`model Loop {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  e = E[token]
  s = tanh(e + s)
  loss cross_entropy(V @ s, next)
}
`))).toEqual([
      err(
        CODE,
        "'s' is defined in terms of itself",
        's',
        'a recurrence needs a state: write it in a cell and instantiate the cell as a layer',
      ),
    ]);
  });

  it('reports one of two mutually recursive bindings', () => {
    expect(diagnose(withCells(`model Mutual {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  a = E[token] + b
  b = tanh(a)
  loss cross_entropy(V @ b, next)
}
`))).toEqual([
      err(CODE, "'b' is used before it is defined on line 7", 'b', 'move its definition above this statement'),
    ]);
  });

  it('accepts params used before their declaration line and states used freely', () => {
    expect(diagnose(`cell Late(x: [n]) -> (h: [n], c: [n]) {
  c' = W @ x + c
  h' = tanh(c') + h
  param W: [n, n]
}
`)).toEqual([]);
  });
});
