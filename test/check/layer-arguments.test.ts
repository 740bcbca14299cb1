import { describe, expect, it } from 'vitest';
import { layerArguments } from '../../src/check/rules/layer-arguments.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, withCells } from './helpers.ts';

const CODE = layerArguments.name;

describe(`rule layer-arguments (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('layer-arguments');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a named argument that is not a dim of the cell', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = LSTM(e, hidden = hidden, layers = 2)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, "'layers' is not a dim of cell LSTM (its dims: in, hidden)", 'layers'),
    ]);
  });

  it('reports a misspelled dim once, with a suggestion', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = LSTM(e, hiden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, "'hiden' is not a dim of cell LSTM (its dims: in, hidden)", 'hiden', "did you mean 'hidden'?"),
    ]);
  });

  it('reports an input passed by name', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = Elman(e, x = e, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(
        CODE,
        "'x' is not a dim of cell Elman (its dims: in, hidden)",
        'x',
        "'x' is an input of Elman: pass it by position, as argument 1",
      ),
    ]);
  });

  it('reports a dim the call does not bind', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = GRU(e)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, "layer GRU needs a value for dim 'hidden'", 'GRU(e)', 'bind it by name: GRU(…, hidden = …)'),
    ]);
  });

  it('lists every missing dim', () => {
    expect(diagnose({
      'main.rnn': `use "proj.rnn"

model M {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  h = Proj(E[token])
  loss cross_entropy(V @ h, next)
}
`,
      'proj.rnn': `cell Proj(x: [in]) -> h: [out] {
  param A: [mid, in]
  param B: [out, mid]
  h' = tanh(B @ (A @ x))
}
`,
    })).toEqual([
      err(
        CODE,
        "layer Proj needs a value for dims 'out', 'mid'",
        'Proj(E[token])',
        'bind them by name: Proj(…, out = …, mid = …)',
      ),
    ]);
  });

  it('reports the wrong number of inputs', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = LSTM(e, e, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, 'cell LSTM takes 1 input (x: [in]), but 2 were given', 'LSTM(e, e, hidden = hidden)'),
    ]);
  });

  it('reports an argument of the wrong rank', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  h = LSTM(E, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, "input 'x' of LSTM has 1 dim, but E has shape [vocab, embed]", 'E'),
    ]);
  });

  it('reports an argument whose size differs from a dim it shares with another input', () => {
    expect(diagnose({
      'main.rnn': `use "pair.rnn"

model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  g = tanh(V^T @ E @ e)
  h = Pair(e, g, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`,
      'pair.rnn': `cell Pair(a: [in], b: [in]) -> h: [hidden] {
  param W: [hidden, in]
  h' = tanh(W @ (a + b))
}
`,
    })).toEqual([
      err(
        CODE,
        "input 'b' of Pair needs size embed = 64 in dim 1 (the cell's dim 'in'), but g has shape [hidden = 128]",
        'g',
      ),
    ]);
  });

  it('reports an input size that contradicts a named dim', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = Elman(e, in = embed + 1, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(
        CODE,
        "input 'x' of Elman needs size embed + 1 = 65 in dim 1 (the cell's dim 'in'), but e has shape [embed = 64]",
        'e',
      ),
    ]);
  });

  it('reports a dim given twice and a dim value that is not a dim', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h1 = Elman(e, hidden = hidden, hidden = 128)
  h2 = Elman(e, hidden = e)
  loss cross_entropy(V @ (h1 + h2), next)
}
`))).toEqual([
      err(CODE, "dim 'hidden' is given twice", 'hidden = 128'),
      err(CODE, "the value of dim 'hidden' must be a positive integer or a dim of M", 'e', 'write e.g. hidden = 256'),
    ]);
  });

  it('does not crash when the argument that binds a state dim is unknown', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim hidden = 128
  param V: [vocab, hidden]
  h = Elman(emb, hidden = hidden)
  g = GRU(h, hidden = hidden)
  loss cross_entropy(V @ g, next)
}
`))).toEqual([
      err('unknown-name', "unknown name 'emb' in model M", 'emb'),
    ]);
  });

  it('accepts dims computed from model dims', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h1 = Elman(e, hidden = 2 * hidden - 128)
  h2 = Elman(concat(e, h1), in = embed + hidden, hidden = hidden)
  loss cross_entropy(V @ h2, next)
}
`))).toEqual([]);
  });
});
