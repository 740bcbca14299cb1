// Identifiers and comments for generated code.
//
// Two disjoint namespaces. A model's names become identifiers of [A-Za-z0-9_] (NameTable.fresh),
// never a JavaScript keyword or global and never one of the generated code's own plain names
// (COMPILER_NAMES); the buffers of a value are `<id>$all`, `<id>$initial`, `<id>$t` (derived).
// Every other name the compiler makes begins with `$` (compilerTemp), which no name from a
// model can: so no model that checks can declare a name twice or shadow one the code reads.
//
// Comments are single lines with every line terminator and control character removed
// (commentText): the one way any text from outside (paths, names, source lines, commands)
// reaches generated code.

/** JavaScript's reserved words (strict mode, modules) and the globals a name could shadow. */
const JS_RESERVED = [
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await async of get set arguments eval'.split(' '),
  ...'undefined NaN Infinity globalThis Math Object Array Function Number String Boolean Symbol BigInt Error RangeError TypeError JSON Reflect Proxy Promise Map Set WeakMap ArrayBuffer SharedArrayBuffer DataView Int32Array Uint8Array Float32Array Float64Array WebAssembly Atomics console process require module exports constructor prototype __proto__ toString valueOf hasOwnProperty'.split(' '),
];

/**
 * The plain identifiers the generated code declares or reads itself (emit.ts writes no other
 * name without a `$`; test/codegen/names.test.ts checks that against the generated code).
 */
export const COMPILER_NAMES: readonly string[] = [
  // create(rt, config) and its setup
  ...'create rt config alloc k L B T P G T1 TB'.split(' '),
  // run(tokens, opts) and its locals
  ...'run tokens opts seed withLoss backward loss'.split(' '),
  // loop indices
  ...'t b o i j'.split(' '),
];

const RESERVED = new Set([...JS_RESERVED, ...COMPILER_NAMES]);

/** The buffers of a value: the whole window (`h$all`), the state a window starts from, this step's row. */
export type Derived = 'all' | 'initial' | 't';
export const derived = (id: string, what: Derived): string => `${id}$${what}`;

/** A compiler-made name outside both namespaces above (`$v12`, `$pack0_64`): it begins with `$`. */
export const compilerTemp = (what: string): string => `$${what}`;

export class NameTable {
  private readonly used = new Set<string>();

  /** A fresh identifier that reads like `base` (e.g. `h1.c'` → `h1_c_next`), of [A-Za-z0-9_] only. */
  fresh(base: string): string {
    let id = base
      .replace(/'/g, '_next')
      .replace(/@init$/, '')
      .replace(/[^A-Za-z0-9_]/g, '_')
      .replace(/_+/g, '_')
      .replace(/^_+|_+$/g, '');
    if (id === '' || /^[0-9]/.test(id)) id = `v_${id}`;
    if (RESERVED.has(id)) id = `${id}_`;
    let candidate = id;
    for (let k = 2; this.used.has(candidate); k++) candidate = `${id}_${k}`;
    this.used.add(candidate);
    return candidate;
  }
}

/** One line of comment text: no line terminators, no control characters, no `*\/`, bounded length. */
export function commentText(text: string, max = 100): string {
  // eslint-disable-next-line no-control-regex
  let s = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim();
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  return s;
}

/** A number as a JavaScript literal (the compiler's own text, never the model file's). */
export function numberLiteral(v: number): string {
  // String() already writes NaN, Infinity and -Infinity as JavaScript reads them; only -0 loses its sign.
  return Object.is(v, -0) ? '-0' : String(v);
}
