import { describe, expect, it } from 'vitest';
import { stateUpdates } from '../../src/check/rules/state-updates.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err } from './helpers.ts';

const CODE = stateUpdates.name;

describe(`rule state-updates (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('state-update');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a state that is never updated', () => {
    expect(diagnose(`cell LSTM(x: [in]) -> (h: [hidden], c: [hidden]) {
  param W_i, W_f, W_c: [hidden, in]
  param U_i, U_f, U_c: [hidden, hidden]
  gate i = sigmoid(W_i @ x + U_i @ h)
  gate f = sigmoid(W_f @ x + U_f @ h)
  c' = f * c + i * tanh(W_c @ x + U_c @ h)
}
`)).toEqual([
      err(CODE, "state 'h' of cell LSTM is never updated", 'h', "add an update to the cell body: h' = …"),
    ]);
  });

  it('reports a state updated twice', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  h' = tanh(W @ x)
  h' = tanh(U @ h)
}
`)).toEqual([
      err(
        CODE,
        "state 'h' is updated twice (first on line 4)",
        "h' = tanh(U @ h)",
        'each state gets exactly one update per step',
      ),
    ]);
  });

  it('reports an update of something that is not a state', () => {
    expect(diagnose(`cell LSTM(x: [in]) -> (h: [hidden], c: [hidden]) {
  param W: [hidden, in]
  cc' = c + W @ x
  c' = c
  h' = tanh(c')
  y' = h
}
`)).toEqual([
      err(CODE, "'cc' is not a state of cell LSTM (its states: h, c)", "cc'", "did you mean 'c'?"),
      err(CODE, "'y' is not a state of cell LSTM (its states: h, c)", "y'", "did you mean 'h'?"),
    ]);
  });

  it('reports an update of the wrong shape', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  h' = W^T @ (U @ h)
}
`)).toEqual([
      err(CODE, "the update of state 'h' has shape [in], but 'h' is [hidden]", 'W^T @ (U @ h)'),
    ]);
  });

  it('reports a scalar update', () => {
    expect(diagnose(`cell Zero(x: [n]) -> h: [n] {
  h' = 0.5
}
`)).toEqual([
      err(CODE, "the update of state 'h' is a scalar, but 'h' is [n]", '0.5', "a number is not broadcast to a state's shape"),
    ]);
  });
});
