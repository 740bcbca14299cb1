import type { Rule } from '../rule.ts';
import type { Ident } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { lineCol } from '../../util/source.ts';
import { BUILTINS } from '../builtins.ts';
import { DATA_NAMES } from '../context.ts';

export const duplicateDefinitions: Rule = {
  name: 'duplicate-definition',
  invariant: 'Every cell and model name is defined once across the loaded files, and every name once within a cell or model.',
  run(ctx) {
    const where = (id: Ident): string => {
      const src = ctx.program.sources.get(id.span.file);
      if (!src) return id.span.file;
      const { line, col } = lineCol(src, id.span.start);
      return `${id.span.file}:${line}:${col}`;
    };
    const top = new Map<string, Ident>();
    for (const unit of ctx.units) {
      const id = unit.decl.name;
      const prev = top.get(id.name);
      if (prev) ctx.report(error(this.name, id.span, `${unit.kind} '${id.name}' is already defined at ${where(prev)}`, 'rename one of them'));
      else top.set(id.name, id);
      if (unit.kind === 'cell' && BUILTINS.has(id.name)) ctx.report(error(this.name, id.span, `cell '${id.name}' has the name of a builtin function`, 'rename the cell'));

      const seen = new Map<string, Ident>();
      const define = (idn: Ident, what: string): void => {
        const before = seen.get(idn.name);
        if (before) {
          ctx.report(error(this.name, idn.span, `${what} '${idn.name}' is already defined at ${where(before)}`, what === 'binding' ? `pick another name; each name is bound once (use ${idn.name}_2 or similar)` : 'rename one of them'));
        } else if (unit.kind === 'model' && (DATA_NAMES as readonly string[]).includes(idn.name)) {
          ctx.report(error(this.name, idn.span, `'${idn.name}' is reserved: in a model it is the ${idn.name === 'token' ? 'current token' : 'token to predict'}`, 'pick another name'));
        } else {
          seen.set(idn.name, idn);
        }
      };
      if (unit.decl.kind === 'cell') {
        for (const p of unit.decl.inputs) define(p.name, 'input');
        for (const p of unit.decl.states) define(p.name, 'state');
      }
      for (const s of unit.decl.body) {
        if (s.kind === 'param') define(s.name, 'param');
        else if (s.kind === 'dim') define(s.name, 'dim');
        else if (s.kind === 'let') define(s.name, s.gate ? 'gate' : 'binding');
      }
    }
  },
};
