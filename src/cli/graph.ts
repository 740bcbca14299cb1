// rnnc graph FILE — the unrolled computation graph as Graphviz DOT or SVG: the time steps
// as boxes left to right, the parameters once on the left. A file of cells only is drawn as
// `compile` and `gradcheck` see it: its cell wrapped in embedding → cell → linear → loss.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { differentiate } from '../autodiff/grad.ts';
import { analyze, renderDiagnostics } from '../frontend.ts';
import { dotToSvg, toDot } from '../graph/dot.ts';
import { unroll } from '../graph/unroll.ts';
import type { IRModel } from '../ir/types.ts';
import type { CellDecl } from '../syntax/ast.ts';
import { readFromDisk } from '../syntax/load.ts';
import { bindDims, dimEquations, solveDims } from '../testing/dim-constraints.ts';
import { wrapCell } from '../wrap-cell.ts';
import { loadModel, UserError } from './common.ts';
import { parseDims, parsePositiveInt } from './options.ts';

interface Opts {
  unroll: number;
  backward?: boolean;
  format: string;
  output?: string;
  dims?: Map<string, number>;
  model?: string;
  cell?: string;
}

/** Size of a dim left open, for drawing; a wrapped cell's dims get distinct sizes, so shapes tell them apart. */
const DRAW_DIM = 4;
const CELL_VOCAB = 10;
const CELL_DIMS = [3, 4, 5, 6, 7, 8, 9, 11, 12, 13];

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('draw the unrolled computation graph, one box per time step (with --backward the gradient nodes too)')
    .argument('<file>', '.rnn file with a model, or a file of cells (a cell is wrapped in a minimal language model)')
    .option('--unroll <T>', 'number of time steps to unroll', parsePositiveInt, 2)
    .option('--backward', 'include the backward (gradient) nodes, in red; the graph is then the one training compiles (an adaptive softmax fused with its output layer)')
    .option('--format <dot|svg>', 'output format', 'dot')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('--dims <name=value,...>', `bind or override dims (unbound dims default to ${DRAW_DIM} for drawing; for a cell, its own dim names, default vocab=${CELL_VOCAB} and ${CELL_DIMS[0]}, ${CELL_DIMS[1]}, …)`, parseDims)
    .option('--model <name>', 'which model, when the file has several')
    .option('--cell <name>', 'which cell to wrap, when the file has several cells (and no model)')
    .addHelpText(
      'after',
      [
        '',
        'Layout: left to right, the parameters (once), the initial state, one box per time step',
        '(t = 0, 1, ...), the loss, and with --backward the gradients. Edges between steps carry',
        'only state: bold green forward, red for their gradients; parameter edges are faint.',
        '',
        'Examples:',
        '  rnnc graph models/char-lstm.rnn --unroll 3 --format svg -o g.svg',
        '  rnnc graph models/cells/lstm.rnn --unroll 3 --backward --format svg -o lstm.svg',
      ].join('\n'),
    )
    .action(async (file: string, o: Opts) => {
      if (o.format !== 'dot' && o.format !== 'svg') throw new UserError(`--format must be dot or svg, not "${o.format}"`);
      const { m, what } = graphModel(file, o);
      // With the backward pass, the graph training runs: an adaptive softmax fused with its output layer (only the head and the target's cluster), as compiled training code computes it.
      const g = unroll(m, o.unroll, { fusedAdaptive: !!o.backward });
      const full = o.backward ? differentiate(g) : null;
      const dot = toDot(full ?? g, { forwardCount: full?.forwardCount, title: `${what}, unrolled ${o.unroll} step${o.unroll === 1 ? '' : 's'}${o.backward ? ', with backward pass' : ''}` });
      const text = o.format === 'svg' ? await dotToSvg(dot) : dot;
      if (o.output) {
        writeFileSync(o.output, text);
        console.error(`wrote ${o.output} (${(full ?? g).nodes.length} nodes)`);
      } else {
        process.stdout.write(text);
      }
    });
}

/** The model to draw, every dim bound, and how to name it in the title. */
function graphModel(file: string, o: Opts): { m: IRModel; what: string } {
  const dims = new Map(o.dims ?? []);
  const a = analyze(file, { dims });
  if (a.ok && a.models.length === 0 && o.model === undefined) return wrappedCell(file, a, o);
  if (o.cell !== undefined) throw new UserError(a.models.length ? `${file} defines a model; --cell is for a file of cells only` : `${file} has errors; see above`);
  // A drawing needs concrete shapes; a dim left open (vocab) is drawn at size DRAW_DIM.
  let m = loadModel(file, dims, o.model);
  const open = Object.entries(m.dims).filter(([, v]) => v === null).map(([k]) => k);
  if (open.length) {
    for (const k of open) dims.set(k, DRAW_DIM);
    m = loadModel(file, dims, o.model);
  }
  return { m, what: m.name };
}

function wrappedCell(file: string, a: ReturnType<typeof analyze>, o: Opts): { m: IRModel; what: string } {
  const cells = a.context.units.filter((u) => u.file === a.root && u.kind === 'cell');
  const names = cells.map((u) => u.name).join(', ');
  const unit = o.cell !== undefined ? cells.find((u) => u.name === o.cell) : cells.length === 1 ? cells[0] : undefined;
  if (cells.length === 0) throw new UserError(`${file} defines no model and no cell: there is nothing to draw`);
  if (!unit) throw new UserError(o.cell !== undefined ? `${file} has no cell ${o.cell} (its cells: ${names})` : `${file} defines no model and several cells (${names}); pick the one to draw with --cell NAME`);
  const w = wrapCell(unit.decl as CellDecl, a.root, readFromDisk);
  if (typeof w === 'string') throw new UserError(`${w}; write a model that uses it and draw that`);
  // --dims names the cell's own dims (`hidden`); the wrapper calls them `d_hidden`.
  const given = new Map<string, number>();
  for (const [k, v] of o.dims ?? []) {
    const name = k === 'vocab' ? k : w.dims.includes(`d_${k}`) ? `d_${k}` : undefined;
    if (!name) throw new UserError(`--dims ${k}: cell ${unit.name} has no dim ${k} (its dims: ${w.cellDims.join(', ') || 'none'}; and vocab)`);
    given.set(name, v);
  }
  // Dims the cell's shapes tie together (x + h needs in = hidden) are computed, not defaulted.
  const s = solveDims(w.dims, dimEquations(w));
  const bound = bindDims(s, new Map(s.free.map((d, i) => [d, given.get(d) ?? (d === 'vocab' ? CELL_VOCAB : CELL_DIMS[(i - 1 + CELL_DIMS.length) % CELL_DIMS.length])])));
  const wa = analyze(w.path, { dims: { ...bound, ...Object.fromEntries(given) }, readFile: w.readFile });
  for (const text of renderDiagnostics(wa)) console.error(text + '\n');
  const m = wa.models.find((x) => x.name === w.name);
  if (!bound || !wa.ok || !m) throw new UserError(`cell ${unit.name}, wrapped in a language model, does not check with these dims; see above`);
  return { m, what: `cell ${unit.name} in embedding → ${unit.name} → linear → cross-entropy` };
}
