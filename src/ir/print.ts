// The IR as text (for `rnnc ir` and for reading diffs) and as JSON.
import type { IRDim, IRExpr, IRInit, IRModel, IRShape } from './types.ts';
import { groupDigits } from '../util/group-digits.ts';

const PREC: Record<string, number> = { add: 1, sub: 1, mul: 2, div: 2, matmul: 3 };
const SYM: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', matmul: '@' };

export function formatDim(d: IRDim): string {
  return typeof d === 'number' ? groupDigits(d) : d;
}

export function formatShapeIR(s: IRShape): string {
  return `[${s.map((d) => (typeof d === 'number' ? String(d) : d)).join(', ')}]`;
}

export function formatInit(i: IRInit): string {
  return i.args.length ? `${i.name}(${i.args.join(', ')})` : i.name;
}

/** An expression in the source notation, with the fewest parentheses that keep its meaning. */
export function formatExpr(e: IRExpr, parentPrec = 0, rightSide = false): string {
  switch (e.op) {
    case 'param':
    case 'state':
    case 'ref':
      return e.name;
    case 'const':
      return String(e.value);
    case 'gather':
      return `${e.table}[${e.index}${e.offset ? `@${e.offset > 0 ? '+' : ''}${e.offset}` : ''}]`;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'matmul': {
      const p = PREC[e.op];
      const text = `${formatExpr(e.args[0], p)} ${SYM[e.op]} ${formatExpr(e.args[1], p, true)}`;
      return p < parentPrec || (p === parentPrec && rightSide) ? `(${text})` : text;
    }
    case 'neg':
      return `-${formatExpr(e.args[0], 4)}`;
    case 'transpose':
      return `${formatExpr(e.args[0], 5)}^T`;
    case 'leaky_relu':
      return `leaky_relu(${formatExpr(e.args[0])}, ${e.slope})`;
    case 'dropout':
      return `${e.mode === 'locked' ? 'locked_' : e.mode === 'rows' ? 'embedding_' : ''}dropout(${formatExpr(e.args[0])}, ${e.p})`;
    case 'concat':
      return `concat(${e.args.map((a) => formatExpr(a)).join(', ')})`;
    case 'cross_entropy':
      return `cross_entropy(${formatExpr(e.args[0])}, ${e.offsets ? e.offsets.map((k) => (k ? `token@${k > 0 ? '+' : ''}${k}` : 'token')).join(', ') : e.target})`;
    case 'adaptive_cross_entropy':
      return `adaptive_cross_entropy(${formatExpr(e.args[0])}, ${formatExpr(e.args[1])}, next, ${e.cutoffs.join(', ')})`;
    case 'ar':
    case 'tar':
      return `${e.op}(${formatExpr(e.args[0])}, ${e.weight})`;
    default:
      return `${e.op}(${formatExpr(e.args[0])})`;
  }
}

function table(rows: string[][], indent: string): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  // Numeric columns (sizes) are right-aligned; the last column is left ragged.
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : /^[\d,]+$/.test(cell) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** The summary `rnnc check` prints: dims, layers, params with shapes and sizes, the total. */
export function formatSummary(m: IRModel): string {
  const out: string[] = [`model ${m.name} (${m.file})`];
  const dims = Object.entries(m.dims).map(([k, v]) => `${k} = ${v === null ? '? (unbound: bind with --dims ' + k + '=N)' : v}`);
  out.push(`  dims: ${dims.join(', ') || 'none'}`);
  if (m.layers.length) {
    out.push('  layers:');
    out.push(
      ...table(
        m.layers.map((l) => [`${l.name} =`, `${l.reverse ? 'reverse ' : ''}${l.cell}(${Object.entries(l.dims).map(([k, v]) => `${k} = ${v}`).join(', ')})`, `states ${l.states.map((s) => s.slice(l.name.length + 1)).join(', ')}`]),
        '    ',
      ),
    );
  }
  out.push('  params:');
  out.push(...table(m.params.map((p) => [p.name, formatShapeIR(p.shape), formatDim(p.size), formatInit(p.init) + (p.weightDrop ? `  weight_drop ${p.weightDrop}` : '')]), '    '));
  out.push(`  total: ${formatDim(m.totalParams)} parameters`);
  return out.join('\n');
}

/** The full IR: the summary, then the states and one time step in evaluation order. */
export function formatIR(m: IRModel): string {
  const out = [formatSummary(m)];
  if (m.states.length) {
    out.push('  states:');
    out.push(...table(m.states.map((s) => [s.name, formatShapeIR(s.shape), `(layer ${s.layer}${m.layers.find((l) => l.name === s.layer)?.reverse ? ', reversed: runs from the last step back' : ''})`]), '    '));
  }
  out.push('  step t:');
  const rows = m.step.map((s) => [`${s.name} =`, formatExpr(s.expr), s.kind === 'loss' || s.kind === 'penalty' ? '' : formatShapeIR(s.expr.shape), s.kind === 'gate' ? '# gate' : s.kind === 'output' ? '# layer output' : s.kind === 'update' ? '# new state' : s.kind === 'penalty' ? '# training only' : '']);
  out.push(...table(rows, '    '));
  return out.join('\n');
}

export function irToJSON(m: IRModel): string {
  return JSON.stringify(m, null, 2);
}
