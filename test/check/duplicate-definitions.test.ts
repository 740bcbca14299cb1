import { describe, expect, it } from 'vitest';
import { duplicateDefinitions } from '../../src/check/rules/duplicate-definitions.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err } from './helpers.ts';

const CODE = duplicateDefinitions.name;

describe(`rule duplicate-definitions (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('duplicate-definition');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a param declared twice in a cell', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  param W: [hidden, hidden]
  h' = tanh(W @ x + U @ h)
}
`)).toEqual([
      err(CODE, "param 'W' is already defined at main.rnn:2:9", 'W', 'rename one of them'),
    ]);
  });

  it('reports a binding that reuses a gate name', () => {
    expect(diagnose(`cell GRU(x: [in]) -> h: [hidden] {
  param W_z, W_h: [hidden, in]
  gate z = sigmoid(W_z @ x)
  z = tanh(W_h @ x)
  h' = z * h
}
`)).toEqual([
      err(
        CODE,
        "binding 'z' is already defined at main.rnn:3:8",
        'z',
        'pick another name; each name is bound once (use z_2 or similar)',
      ),
    ]);
  });

  it('reports a state with the name of an input', () => {
    expect(diagnose(`cell Echo(x: [n]) -> (h: [n], x: [n]) {
  h' = x
}
`)).toEqual([
      err(CODE, "state 'x' is already defined at main.rnn:1:11", 'x', 'rename one of them'),
    ]);
  });

  it('reports a cell defined in an imported file and again in the importer', () => {
    expect(diagnose({
      'main.rnn': `use "relu.rnn"

cell ReLU(x: [n]) -> h: [n] {
  h' = relu(x)
}
`,
      'relu.rnn': `cell ReLU(x: [n]) -> h: [n] {
  h' = relu(x + h)
}
`,
    })).toEqual([
      err(CODE, "cell 'ReLU' is already defined at relu.rnn:1:6", 'ReLU', 'rename one of them'),
    ]);
  });

  it('reports a model defined twice and a dim declared twice', () => {
    expect(diagnose(`model M {
  dim vocab, vocab
  param V: [vocab]
  loss cross_entropy(V, next)
}

model M {
  dim vocab
  param V: [vocab]
  loss cross_entropy(V, next)
}
`)).toEqual([
      err(CODE, "dim 'vocab' is already defined at main.rnn:2:7", 'vocab', 'rename one of them'),
      err(CODE, "model 'M' is already defined at main.rnn:1:7", 'M', 'rename one of them'),
    ]);
  });

  it('reports a cell named like a builtin', () => {
    expect(diagnose(`cell tanh(x: [n]) -> h: [n] {
  h' = x
}
`)).toEqual([
      err(CODE, "cell 'tanh' has the name of a builtin function", 'tanh', 'rename the cell'),
    ]);
  });

  it('reports a param named token in a model', () => {
    expect(diagnose(`model M {
  dim vocab
  param token: [vocab]
  loss cross_entropy(token, next)
}
`)).toEqual([
      err(CODE, "'token' is reserved: in a model it is the current token", 'token', 'pick another name'),
      err('embedding', "'token' is a token index, not a vector", 'token', 'look it up in an embedding: E[token]'),
    ]);
  });
});
