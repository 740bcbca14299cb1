// A cell on its own has no loss, so nothing to differentiate or generate code for. These
// helpers wrap a cell in the smallest language model that exercises it — embedding → cell →
// linear → cross-entropy — as an in-memory .rnn file next to the cell's file, and find which
// of a model's dims must be equal for it to check. `rnnc gradcheck` and `rnnc compile` (for a
// file of cells) both use them.
import { basename, dirname, join } from 'node:path';
import { analyze } from './frontend.ts';
import type { ReadFile } from './syntax/load.ts';
import type { CellDecl, DimTerm } from './syntax/ast.ts';
import { dimTermNames } from './check/dim-terms.ts';

/** A model to analyze: its name, its (possibly virtual) file, and how to read files. */
export interface Target {
  name: string;
  path: string;
  readFile: ReadFile;
  /** The model's dims: for a wrapped cell, `vocab` then `d_<cell dim>` for each cell dim. */
  dims: string[];
}

export interface WrappedCell extends Target {
  /** The wrapper's source text (what `path` reads as). */
  text: string;
  /** The cell's own dims, in the order of `dims` after `vocab` (`in`, `hidden`, …). */
  cellDims: string[];
  /** The path the wrapper reads the cell's file by (the file itself, or an alias when a `use` cannot name it). */
  cellFile: string;
}

export interface WrapOptions {
  /** The wrapper model's name (default `GradcheckLM_<cell>`). */
  modelName?: string;
  /** The virtual file's name, in the cell file's directory (default `__gradcheck_<cell>.rnn`). */
  fileName?: string;
}

/**
 * A minimal language model around a cell (embedding → cell → linear → cross-entropy), or,
 * when the cell cannot be wrapped so, why not. The cell's dim `n` is the wrapper's dim `d_n`.
 */
export function wrapCell(cell: CellDecl, path: string, readFile: ReadFile, options: WrapOptions = {}): WrappedCell | string {
  const state = cell.states[0];
  if (state.shape.dims.length !== 1) return `cell ${cell.name.name}: its first state is not a vector, so it cannot feed a softmax`;
  // A size in the wrapper's own shapes: the cell's dim `n` is the wrapper's dim `d_n`, and
  // `2 * n` becomes `(2 * d_n)`.
  const dimsOf = (d: DimTerm): string =>
    d.kind === 'dimNumber' ? String(d.value) : d.kind === 'dimName' ? `d_${d.name}` : `(${dimsOf(d.left)} ${d.op} ${dimsOf(d.right)})`;
  const names = new Set<string>();
  const collect = (shape: CellDecl['inputs'][number]['shape']): void => {
    for (const d of shape.dims) for (const { name } of dimTermNames(d)) names.add(name);
  };
  for (const p of [...cell.inputs, ...cell.states]) collect(p.shape);
  for (const s of cell.body) if (s.kind === 'param') collect(s.shape);
  const inputDims = new Set<string>();
  const lines: string[] = [];
  for (const [k, p] of cell.inputs.entries()) {
    if (p.shape.dims.length !== 1) return `cell ${cell.name.name}: input ${p.name.name} is not a vector, so it cannot be fed from an embedding`;
    for (const d of p.shape.dims) if (d.kind === 'dimName') inputDims.add(d.name);
    lines.push(`  param E_${k}: [vocab, ${dimsOf(p.shape.dims[0])}]`);
  }
  const named = [...names].filter((n) => !inputDims.has(n)).map((n) => `${n} = d_${n}`);
  const args = [...cell.inputs.map((_, k) => `E_${k}[token]`), ...named].join(', ');
  const dimDecl = ['vocab', ...[...names].map((n) => `d_${n}`)];
  const name = options.modelName ?? `GradcheckLM_${cell.name.name}`;
  // A .rnn string holds no `"` and no line break, and `use` reads .rnn files: a cell file
  // named otherwise is used under an alias in its directory that reads as the file.
  const own = basename(path);
  const usable = /^[^"\n\r\u2028\u2029]+\.rnn$/.test(own);
  const useName = usable ? own : `__cells_of_${cell.name.name}.rnn`;
  const alias = join(dirname(path), useName);
  const text = [
    `use "${useName}"`,
    `model ${name} {`,
    `  dim ${dimDecl.join(', ')}`,
    ...lines,
    `  param V: [vocab, ${dimsOf(state.shape.dims[0])}], b: [vocab]`,
    `  h = ${cell.name.name}(${args})`,
    `  loss cross_entropy(V @ h + b, next)`,
    `}`,
    '',
  ].join('\n');
  const virtual = join(dirname(path), options.fileName ?? `__gradcheck_${cell.name.name}.rnn`);
  const read: ReadFile = (p) => (p === virtual ? text : !usable && p === alias ? readFile(path) : readFile(p));
  return { name, path: virtual, readFile: read, dims: dimDecl, text, cellDims: [...names], cellFile: alias };
}

/** Distinct probe sizes, far from 1..maxDim and from each other's small multiples. */
const PROBES = [101, 211, 307, 401, 503, 601, 701, 809, 907, 1009, 1103, 1201, 1301, 1409, 1511, 1601];

function errorCount(t: Target, classes: string[][]): number {
  const dims = Object.fromEntries(classes.flatMap((c, i) => c.map((d) => [d, PROBES[i % PROBES.length] + Math.floor(i / PROBES.length)])));
  const a = analyze(t.path, { dims, readFile: t.readFile });
  return a.diagnostics.filter((d) => d.severity === 'error').length + (a.models.some((m) => m.name === t.name) ? 0 : 1);
}

/**
 * The dims of a target that must be equal for it to check, as classes to draw one size for:
 * `[['vocab'], ['embed', 'hidden']]` for a model whose tied weight E: [vocab, embed] also
 * multiplies a [hidden] state. Found by asking the checker: bind every class to a different
 * size and merge, greedily, the two classes whose merge removes the most errors, until the
 * target checks (or no merge helps: then the classes are left as they are).
 */
export function equalDimClasses(t: Pick<Target, 'name' | 'path' | 'readFile' | 'dims'>): string[][] {
  let classes = t.dims.map((d) => [d]);
  let errors = errorCount(t, classes);
  while (errors > 0 && classes.length > 1) {
    let best: { classes: string[][]; errors: number } | null = null;
    for (let i = 0; i < classes.length; i++) {
      for (let j = i + 1; j < classes.length; j++) {
        const merged = classes.filter((_, k) => k !== j).map((c, k) => (k === i ? [...c, ...classes[j]] : c));
        const e = errorCount(t, merged);
        if (e < (best?.errors ?? errors)) best = { classes: merged, errors: e };
      }
    }
    if (!best) break;
    ({ classes, errors } = best);
  }
  return classes;
}
