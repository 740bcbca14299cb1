import { describe, expect, it } from 'vitest';
import { numberLiterals } from '../../src/check/rules/number-literals.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err } from './helpers.ts';

const CODE = numberLiterals.name;

describe(`rule number-literals (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('number');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('refuses a literal that overflows to Infinity, and accepts one that underflows to 0', () => {
    expect(diagnose(`cell C(x: [n]) -> h: [n] {\n  h' = tanh(x * 1e400 + 1e-400)\n}\n`)).toEqual([
      err(CODE, 'the number 1e400 is out of range: it would be read as Infinity', '1e400'),
    ]);
  });

  it('refuses an init argument that overflows, once for a group', () => {
    expect(diagnose(`cell C(x: [n]) -> h: [n] {\n  param W, U: [n, n] init normal(1e999)\n  h' = tanh(W @ x + U @ h)\n}\n`)).toEqual([
      err(CODE, 'the number in normal(1e999) is out of range: it would be read as Infinity', 'normal(1e999)'),
    ]);
  });
});
