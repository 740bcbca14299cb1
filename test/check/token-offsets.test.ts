import { describe, expect, it } from 'vitest';
import { tokenOffsets, MAX_TOKEN_OFFSET } from '../../src/check/rules/token-offsets.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err } from './helpers.ts';

const CODE = tokenOffsets.name;

const windowModel = (x: string, target = 'next') => `model Win {
  dim vocab
  dim embed = 4, hidden = 8
  param E: [vocab, embed]
  param H: [hidden, 2 * embed]
  param V: [vocab, hidden]
  x = concat(${x})
  loss cross_entropy(V @ tanh(H @ x), ${target})
}
`;

describe(`rule token-offset (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('token-offset');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('accepts the past, the present and explicit signs, with or without spaces', () => {
    for (const x of ['E[token], E[token@-1]', 'E[token @ -2], E[token@0]', `E[token@-${MAX_TOKEN_OFFSET}], E[ token@ - 3 ]`]) expect(diagnose(windowModel(x))).toEqual([]);
  });

  it('reports looking ahead in a model that predicts next, at the offset', () => {
    expect(diagnose(windowModel('E[token], E[token@+1]'))).toEqual([
      err(CODE, 'E[token@+1] reads the token to predict; a model whose loss predicts next may look at the past only', '+1', 'look back instead (E[token@-1]), or predict `token` (a CBOW objective) instead of `next`'),
    ]);
    expect(diagnose(windowModel('E[token@3], E[token]'))).toEqual([
      err(CODE, 'E[token@+3] reads 2 tokens past the one to predict; a model whose loss predicts next may look at the past only', '3', 'look back instead (E[token@-3]), or predict `token` (a CBOW objective) instead of `next`'),
    ]);
  });

  it('lets a model that predicts token (CBOW) look both ways', () => {
    expect(diagnoseCode(CODE, windowModel('E[token@-1], E[token@+1]', 'token'))).toEqual([]);
  });

  it('reports an offset beyond the limit', () => {
    expect(diagnose(windowModel(`E[token], E[token@-${MAX_TOKEN_OFFSET + 1}]`))).toEqual([
      err(CODE, `an offset of -${MAX_TOKEN_OFFSET + 1} steps is beyond the ${MAX_TOKEN_OFFSET} a model may look away`, `-${MAX_TOKEN_OFFSET + 1}`, `use an offset between -${MAX_TOKEN_OFFSET} and ${MAX_TOKEN_OFFSET}`),
    ]);
  });

  it('reports an offset of next, and leaves other names to the embedding and name rules', () => {
    expect(diagnose(windowModel('E[token], E[next@-1]'))).toEqual([err(CODE, "only `token` can be offset, not 'next'", 'next', 'write E[token@-1] for the previous token')]);
    const other = diagnose(windowModel('E[token], E[x@-1]'));
    expect(other.map((d) => d.code)).not.toContain(CODE);
    expect(other.length).toBeGreaterThan(0);
  });

  it('a cell cannot look up tokens, offset or not', () => {
    const found = diagnose(`cell C(x: [n]) -> h: [n] {
  param E: [n, n]
  h' = E[token@-1]
}
${windowModel('E[token], E[token@-1]')}`);
    expect(found.map((d) => d.code)).toContain('embedding');
  });
});

describe('embedding_dropout of a lagged lookup', () => {
  it('is refused at the offset: its row masks are drawn for the window’s own tokens', () => {
    const errors = diagnose(windowModel('embedding_dropout(E[token@-1], 0.1), E[token]'));
    expect(errors.map((d) => d.message)).toEqual(['embedding_dropout of a lagged lookup (E[token@-1]) is not supported yet']);
    expect(diagnose(windowModel('embedding_dropout(E[token], 0.1), E[token@-1]'))).toEqual([]);
  });
});
