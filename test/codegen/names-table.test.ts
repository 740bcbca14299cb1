// The identifier and comment rules of names.ts, case by case: what a model name becomes in
// generated code (names.test.ts checks whole models compile with hostile names; this pins
// each rewrite), one-line comment text, and number literals that read back as the number.
import { describe, expect, it } from 'vitest';
import { COMPILER_NAMES, NameTable, commentText, compilerTemp, derived, numberLiteral } from '../../src/codegen/names.ts';

describe('NameTable.fresh', () => {
  const fresh = (base: string): string => new NameTable().fresh(base);

  it('rewrites a model name into [A-Za-z0-9_]: primes, @init, other characters, runs and ends of _', () => {
    expect(fresh("h1.c'")).toBe('h1_c_next');
    expect(fresh("c''")).toBe('c_next_next');
    expect(fresh('h@init')).toBe('h');
    expect(fresh('h@init.x')).toBe('h_init_x'); // only a trailing @init is the initial state's mark
    expect(fresh('a..b')).toBe('a_b');
    expect(fresh('a___b')).toBe('a_b');
    expect(fresh('__a')).toBe('a');
    expect(fresh('a__')).toBe('a');
    expect(fresh('_a_')).toBe('a');
    expect(fresh('é')).toBe('v_');
    expect(fresh('')).toBe('v_');
    expect(fresh('2x')).toBe('v_2x');
    expect(fresh('x2')).toBe('x2');
  });

  it('never gives a JavaScript keyword, a global the code reads, or one of the code’s own names', () => {
    for (const word of ['class', 'let', 'await', 'eval', 'arguments', 'yield']) {
      expect(fresh(word)).toBe(`${word}_`);
      expect(() => new Function(`'use strict'; let ${fresh(word)} = 1; return ${fresh(word)};`)).not.toThrow();
    }
    for (const global of ['Math', 'Float32Array', 'undefined', 'NaN', 'hasOwnProperty', 'process']) expect(fresh(global)).toBe(`${global}_`);
    expect(COMPILER_NAMES).toEqual(expect.arrayContaining(['create', 'TB', 'alloc', 'withLoss', 'loss', 't', 'j']));
    for (const own of COMPILER_NAMES) expect(fresh(own)).toBe(`${own}_`);
    expect(fresh('__proto__')).toBe('proto'); // the underscores go first, so no name reaches __proto__
    expect(fresh('h')).toBe('h'); // a plain name stays as it is
  });

  it('a name already given gets the next free suffix, in one table only', () => {
    const names = new NameTable();
    expect([names.fresh('h'), names.fresh('h'), names.fresh("h'"), names.fresh('h_2'), names.fresh('h')]).toEqual(['h', 'h_2', 'h_next', 'h_2_2', 'h_3']);
    expect(new NameTable().fresh('h')).toBe('h');
  });
});

describe('derived buffers and compiler temporaries', () => {
  it('derived names put $ between a value and its buffer; temporaries begin with $', () => {
    expect(derived('h1_h', 'all')).toBe('h1_h$all');
    expect(derived('h1_h', 'initial')).toBe('h1_h$initial');
    expect(compilerTemp('v12')).toBe('$v12');
  });
});

describe('commentText', () => {
  it('every line terminator and control character becomes one space; */ is broken; spaces collapse and trim', () => {
    expect(commentText('a\nb\r\nc\u2028d\u2029e\u0000f\u007fg\u009fh')).toBe('a b c d e f g h');
    expect(commentText('a\n\n\tb')).toBe('a b');
    expect(commentText('x */ y')).toBe('x * / y');
    expect(commentText('  a   b  ')).toBe('a b');
    expect(commentText('a\u00a0\u00a0b')).toBe('a b'); // a no-break space is white space, not a control character
  });

  it('at most max characters, the last one an ellipsis when cut', () => {
    expect(commentText('abcdef', 6)).toBe('abcdef');
    expect(commentText('abcdefg', 6)).toBe('abcde…');
    expect(commentText('x'.repeat(100))).toBe('x'.repeat(100));
    expect(commentText('x'.repeat(101))).toBe(`${'x'.repeat(99)}…`);
  });
});

describe('numberLiteral', () => {
  it('reads back as the same number, the signs of zero and infinity kept', () => {
    for (const v of [0, -0, 1.5, -2, 1e-300, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity]) {
      const text = numberLiteral(v);
      expect(Object.is(new Function(`return ${text};`)(), v), text).toBe(true);
    }
    expect([NaN, Infinity, -Infinity, -0, 0].map(numberLiteral)).toEqual(['NaN', 'Infinity', '-Infinity', '-0', '0']);
  });
});
