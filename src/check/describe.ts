// How diagnostics name an expression: its source text (shortened) and its shape.
import type { Expr, Span } from '../syntax/ast.ts';
import type { CheckContext, Unit } from './context.ts';
import { formatShape } from './poly.ts';

export function snippet(ctx: CheckContext, span: Span, max = 40): string {
  const src = ctx.program.sources.get(span.file);
  const text = (src ? src.text.slice(span.start, span.end) : '').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `W_i @ x: [hidden]` — the expression with its inferred shape. */
export function typed(ctx: CheckContext, unit: Unit, e: Expr): string {
  const ty = ctx.typeOf(unit, e);
  const shape = ty.kind === 'tensor' ? formatShape(ty.shape) : ty.kind === 'index' ? 'a token index' : '?';
  return `${snippet(ctx, e.span)}: ${shape}`;
}

/** The source text of an operand, parenthesised unless it is atomic or already in brackets. */
export function operand(ctx: CheckContext, e: Expr): string {
  const text = snippet(ctx, e.span);
  if (e.kind !== 'binary' && e.kind !== 'neg') return text;
  if (text.startsWith('(') && text.endsWith(')')) {
    let depth = 0;
    let closesAtEnd = true;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')') depth--;
      if (depth === 0 && i < text.length - 1) closesAtEnd = false;
    }
    if (closesAtEnd) return text;
  }
  return `(${text})`;
}
