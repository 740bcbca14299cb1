import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { BUILTINS } from '../builtins.ts';
import { DATA_NAMES, type CheckContext, type Unit, stmtExpr } from '../context.ts';
import { suggest } from '../suggest.ts';

function meanHint(name: string, candidates: Iterable<string>): string | undefined {
  const s = suggest(name, candidates);
  return s ? `did you mean '${s}'?` : undefined;
}

function checkExpr(ctx: CheckContext, unit: Unit, e: Expr, rule: string, inDimArg: boolean): void {
  switch (e.kind) {
    case 'name': {
      const sym = unit.symbols.get(e.name);
      if (!sym) {
        // Listed only for a miss: per name it would make checking quadratic in the file size.
        const values = [...unit.symbols.values()].filter((s) => s.kind !== 'dim').map((s) => s.name);
        const where = unit.kind === 'cell' ? `cell ${unit.name}` : `model ${unit.name}`;
        const dataInCell = unit.kind === 'cell' && (DATA_NAMES as readonly string[]).includes(e.name);
        const hint = dataInCell ? `'${e.name}' exists only in a model; a cell sees its inputs` : meanHint(e.name, inDimArg ? unit.dims.keys() : values);
        ctx.report(error(rule, e.span, `unknown name '${e.name}' in ${where}`, hint));
        return;
      }
      if (e.primed && sym.kind !== 'state') {
        ctx.report(error(rule, e.span, `${e.name}' names the next value of a state, but '${e.name}' is a${sym.kind === 'input' ? 'n' : ''} ${sym.kind === 'let' ? 'binding' : sym.kind}`, `write ${e.name} without the prime`));
        return;
      }
      if (sym.kind === 'dim' && !inDimArg) {
        ctx.report(error(rule, e.span, `'${e.name}' is a dim, not a value`, 'dims are sizes; they can only be used in shapes and as layer arguments'));
      }
      return;
    }
    case 'call': {
      const builtin = BUILTINS.get(e.callee.name);
      const known = builtin !== undefined || ctx.cells.has(e.callee.name);
      if (!known) {
        const sym = unit.symbols.get(e.callee.name);
        const msg = sym ? `'${e.callee.name}' is a ${sym.kind === 'let' ? 'binding' : sym.kind}, not a function or cell` : `unknown function or cell '${e.callee.name}'`;
        const unread = failedImports(ctx, unit.file);
        // A name that is defined, but not as something callable, gets no did-you-mean.
        const hint = sym
          ? undefined
          : (meanHint(e.callee.name, [...BUILTINS.keys(), ...ctx.cells.keys()]) ??
            (unread.length ? `it may be defined in ${unread.map((p) => `"${p}"`).join(', ')}, which could not be read` : undefined));
        ctx.report(error(rule, e.callee.span, msg, hint));
      }
      // A builtin's literal arguments (rates, slopes) are reported by builtin-arguments
      // when they are not number literals; a name there is not looked up.
      e.args.forEach((a, k) => {
        if (!builtin?.literalArgs.includes(k)) checkExpr(ctx, unit, a, rule, false);
      });
      // Named arguments of a layer are dims of the calling model; so are those of an unknown
      // callee, which is most likely a layer whose cell is missing.
      for (const a of e.named) checkExpr(ctx, unit, a.value, rule, builtin === undefined);
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
      // A cell cannot index at all (rules/embedding-lookup.ts); `W[token]` there is one mistake.
      if (unit.kind !== 'cell') checkExpr(ctx, unit, e.index, rule, inDimArg);
      return;
    case 'number':
      return;
  }
}

/** The `use` paths of a file that could not be read. */
function failedImports(ctx: CheckContext, file: string): string[] {
  const out: string[] = [];
  for (const d of ctx.program.diagnostics) {
    if (d.code !== 'missing-file' || d.span?.file !== file) continue;
    const m = /^use\s+"([^"]*)"/.exec(ctx.program.sources.get(file)?.text.slice(d.span.start, d.span.end) ?? '');
    if (m) out.push(m[1]);
  }
  return out;
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
