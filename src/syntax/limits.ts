// The front end's bounds. Ohm's matcher and every later pass (checks, elaboration, the
// graph, autodiff and code generation) recurse on the nesting of an expression, so a file
// that nests deeper than these limits is refused with a located diagnostic before any of
// them runs; grammar/README.md documents the numbers.
import type { DimTerm, Expr, Item, Span } from './ast.ts';
import { groupDigits } from '../util/group-digits.ts';

/**
 * The size of one .rnn file. Ohm memoises every rule at every position (about 2 KB of heap
 * per byte of input), so the size bounds the parse's memory and time; the shipped models
 * are under 4 KB.
 */
export const MAX_SOURCE_BYTES = 64 * 1024;

/** An error with a code, as node:fs throws them, for what rnnc itself refuses to read. */
export function refusal(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const KIB = 1024;
export const sizeText = (n: number): string => `${groupDigits(n)} bytes`;

export function tooBig(size: string): string {
  return `the file is ${size}; a .rnn file may have at most ${sizeText(MAX_SOURCE_BYTES)} (${MAX_SOURCE_BYTES / KIB} KiB)`;
}

/** The largest dim (a signed 32-bit index); a literal above it is refused where it is written. */
export const MAX_DIM = 2 ** 31 - 1;

/** Brackets `(` and `[` open at once (Ohm spends ~60 stack frames per level). */
export const MAX_BRACKET_DEPTH = 64;

/** Levels of an expression tree: `a + b + …` of 256 terms, or 256 unary minuses. */
export const MAX_EXPR_DEPTH = 256;

/** Where a text opens bracket level MAX_BRACKET_DEPTH + 1, skipping comments and strings. */
export function bracketTooDeep(text: string): number | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return null;
      i = nl;
    } else if (c === 0x22 /* " */) {
      // A string ends at its closing quote or, unterminated, at the end of the line.
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j++;
      i = j;
    } else if (c === 0x28 /* ( */ || c === 0x5b /* [ */) {
      if (++depth > MAX_BRACKET_DEPTH) return i;
    } else if (c === 0x29 /* ) */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
    }
  }
  return null;
}

type Node = Expr | DimTerm;

function children(n: Node): Node[] {
  switch (n.kind) {
    case 'binary':
    case 'dimArith':
      return [n.left, n.right];
    case 'neg':
    case 'transpose':
      return [n.operand];
    case 'index':
      return [n.target, n.index];
    case 'call':
      return [...n.args, ...n.named.map((a) => a.value)];
    default:
      return [];
  }
}

/** Every expression and shape size of a file's items, the roots of the depth check. */
function roots(items: readonly Item[]): Node[] {
  const out: Node[] = [];
  for (const item of items) {
    if (item.kind === 'use') continue;
    const ports = item.kind === 'cell' ? [...item.inputs, ...item.states] : [];
    for (const p of ports) out.push(...p.shape.dims);
    for (const s of item.body) {
      if (s.kind === 'param') out.push(...s.shape.dims);
      else if (s.kind === 'let' || s.kind === 'update' || s.kind === 'loss') out.push(s.expr);
    }
  }
  return out;
}

/**
 * The first expression (in source order) nesting deeper than MAX_EXPR_DEPTH levels: the
 * leftmost node one level past the limit, and the expression's whole depth. No recursion.
 */
export function exprTooDeep(items: readonly Item[]): { span: Span; depth: number } | null {
  for (const root of roots(items)) {
    const stack: [Node, number][] = [[root, 1]];
    let first: Span | null = null;
    let depth = 0;
    while (stack.length) {
      const [n, d] = stack.pop()!;
      depth = Math.max(depth, d);
      if (d === MAX_EXPR_DEPTH + 1 && (!first || n.span.start < first.start)) first = n.span;
      for (const c of children(n)) stack.push([c, d + 1]);
    }
    if (first) return { span: first, depth };
  }
  return null;
}
