import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { BUILTINS } from '../builtins.ts';
import { type CheckContext, type Unit, stmtExpr } from '../context.ts';
import { suggest } from '../suggest.ts';

function meanHint(name: string, candidates: Iterable<string>): string | undefined {
  const s = suggest(name, candidates);
  return s ? `did you mean '${s}'?` : undefined;
}

function checkExpr(ctx: CheckContext, unit: Unit, e: Expr, rule: string, inDimArg: boolean): void {
  switch (e.kind) {
    case 'name': {
      const sym = unit.symbols.get(e.name);
      const values = [...unit.symbols.values()].filter((s) => s.kind !== 'dim').map((s) => s.name);
      if (!sym) {
        const where = unit.kind === 'cell' ? `cell ${unit.name}` : `model ${unit.name}`;
        ctx.report(error(rule, e.span, `unknown name '${e.name}' in ${where}`, meanHint(e.name, inDimArg ? unit.dims.keys() : values)));
        return;
      }
      if (e.primed && sym.kind !== 'state') {
        ctx.report(error(rule, e.span, `'${e.name}'' names the next value of a state, but '${e.name}' is a${sym.kind === 'input' ? 'n' : ''} ${sym.kind === 'let' ? 'binding' : sym.kind}`, `write ${e.name} without the prime`));
        return;
      }
      if (sym.kind === 'dim' && !inDimArg) {
        ctx.report(error(rule, e.span, `'${e.name}' is a dim, not a value`, 'dims are sizes; they can only be used in shapes and as layer arguments'));
      }
      return;
    }
    case 'call': {
      const known = BUILTINS.has(e.callee.name) || ctx.cells.has(e.callee.name);
      if (!known) {
        const sym = unit.symbols.get(e.callee.name);
        const msg = sym ? `'${e.callee.name}' is a ${sym.kind === 'let' ? 'binding' : sym.kind}, not a function or cell` : `unknown function or cell '${e.callee.name}'`;
        ctx.report(error(rule, e.callee.span, msg, meanHint(e.callee.name, [...BUILTINS.keys(), ...ctx.cells.keys()])));
      }
      for (const a of e.args) checkExpr(ctx, unit, a, rule, false);
      // Named arguments of a layer are dims of the calling model.
      for (const a of e.named) checkExpr(ctx, unit, a.value, rule, ctx.cells.has(e.callee.name));
      return;
    }
    case 'binary':
      checkExpr(ctx, unit, e.left, rule, inDimArg);
      checkExpr(ctx, unit, e.right, rule, inDimArg);
      return;
    case 'neg':
    case 'transpose':
      checkExpr(ctx, unit, e.operand, rule, inDimArg);
      return;
    case 'index':
      checkExpr(ctx, unit, e.target, rule, inDimArg);
      checkExpr(ctx, unit, e.index, rule, inDimArg);
      return;
    case 'number':
      return;
  }
}

export const unknownNames: Rule = {
  name: 'unknown-name',
  invariant: 'Every name in an expression refers to a port, param, binding or data name of its cell or model, and every call to a builtin or a known cell.',
  run(ctx) {
    for (const unit of ctx.units) {
      for (const s of unit.decl.body) {
        const e = stmtExpr(s);
        if (e) checkExpr(ctx, unit, e, this.name, false);
      }
    }
  },
};
