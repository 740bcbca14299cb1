// Identifiers and comments for generated code. Identifiers are rebuilt by the compiler from
// a safe alphabet ([A-Za-z0-9_]) and never collide with a JS keyword, a global, or a name
// the generated code uses itself; comments are single lines with every line terminator and
// control character removed, so no text from a model file can leave its comment.

const RESERVED = new Set([
  // JavaScript keywords, literals and globals a name could shadow or break
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await async of arguments eval undefined NaN Infinity Math Object Array Function Number String Symbol Error RangeError globalThis constructor prototype __proto__ toString valueOf hasOwnProperty'.split(' '),
  // the generated code's own names
  ...'rt k Float config B T T1 P G tokens opts seed loss backward t b j i o n s create withLoss zeroGrads carry resetStates run states finals logits initial'.split(' '),
]);

export class NameTable {
  private readonly used = new Set<string>();

  /** A fresh identifier that reads like `base` (e.g. `h1.c'` → `h1_c_next`). */
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
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return Object.is(v, -0) ? '-0' : String(v);
}
