// What every part of the printer shares: the output lines and their indentation, and how a
// node's value, origin and sizes are written.
import type { GNode } from '../graph/types.ts';
import type { Span } from '../syntax/ast.ts';
import { lineCol, type SourceFile } from '../util/source.ts';
import type { LoopSpec } from './simd-loops.ts';
import { commentText, derived } from './names.ts';
import type { Plan } from './plan.ts';
import { historyLength, XTOK, XW } from './history.ts';
import { CodegenError, type Mode, type Schedule } from './schedule.ts';

export interface EmitOptions {
  sources?: ReadonlyMap<string, SourceFile>;
  /** How a file is shown in comments (e.g. relative to the working directory). */
  displayPath?: (file: string) => string;
  /** The command the header says regenerates the code (default `rnnc compile FILE --emit js`). */
  regenerate?: string;
  /**
   * Receives the fused loops that can also run as WebAssembly SIMD, in the order the code
   * calls them (`L.f0`, `L.f1`, …); the runtime builds them into `rt.loops` for float32.
   */
  loops?: LoopSpec[];
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export class Printer {
  readonly out: string[] = [];
  depth = 0;
  readonly nodes: GNode[];
  readonly display: (file: string) => string;
  /** Tokens before the window that offset lookups read (0: the window's own suffice). */
  readonly history: number;

  constructor(readonly plan: Plan, readonly sched: Schedule, readonly options: EmitOptions) {
    this.nodes = plan.g.nodes;
    this.display = options.displayPath ?? ((f: string) => f);
    this.history = historyLength(plan.g.nodes);
  }

  /** The token array kernels read and its row width: the window's, or the window's behind the history. */
  tokens(): string {
    return this.history ? `${XTOK}, ${XW}` : 'tokens, T1';
  }

  /** A node as the schedule reads it (an add rewritten to read past summed-away products, or the graph's). */
  node(id: number): GNode {
    return this.sched.rewritten.get(id) ?? this.nodes[id];
  }

  line(s = ''): void {
    this.out.push(s === '' ? '' : '  '.repeat(this.depth) + s);
  }

  where(span: Span | null): string {
    if (!span) return '';
    const src = this.options.sources?.get(span.file);
    if (!src) return ` [${commentText(this.display(span.file))}]`;
    const { line: l, col } = lineCol(src, span.start);
    return ` [${commentText(this.display(span.file))}:${l}:${col}]`;
  }

  snippet(span: Span | null): string {
    if (!span) return '';
    const src = this.options.sources?.get(span.file);
    return src ? commentText(src.text.slice(span.start, span.end)) : '';
  }

  /** The comment naming where a node comes from in the model. */
  origin(n: GNode): string {
    const back = n.id >= this.plan.g.forwardCount;
    const label = n.label && !n.label.startsWith('d_') ? commentText(n.label, 40) : '';
    const text = this.snippet(n.span);
    const what = label && text ? `${label} = ${text}` : label || text || n.op;
    return `// ${back ? 'grad of: ' : ''}${what}${this.where(n.span)}`;
  }

  isBatched(id: number): boolean {
    return this.plan.placement[id] === 'batched';
  }

  /** How a node's value is read: at step t inside a loop, or as the whole window outside. */
  ref(id: number, mode: Mode): string {
    const { placement, perStep, name } = this.plan;
    if (placement[id] !== 'batched') return name[id];
    if (mode === 'window') {
      if (!perStep[id]) throw new CodegenError(`internal: ${this.nodes[id].op} node ${id} is read over the window but kept for one step`);
      return derived(name[id], 'all');
    }
    return perStep[id] ? `${name[id]}[t]` : name[id];
  }

  rowsOf(mode: Mode): string {
    return mode === 'step' ? 'B' : 'TB';
  }

  /** The steps a token-reading kernel covers: step t, or all T from 0. */
  span(mode: Mode): string {
    return mode === 'step' ? 't, 1' : '0, T';
  }

  entries(id: number): number {
    return size(this.nodes[id].shape);
  }

  /** Where a token comes from: the current position, the next one, or an offset one (behind the history). */
  pos(n: GNode): string {
    return String(this.history + (n.attrs.target === 'next' ? 1 : 0) + (n.attrs.offset ?? 0));
  }
}
