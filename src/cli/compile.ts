// rnnc compile FILE --emit js — the generated code for one training window, to read or to
// embed (an ES module whose default export is `create(rt, config)`). A file of cells only
// has no loss to generate code for: its cell is wrapped in a minimal language model, as
// `rnnc gradcheck` wraps it (embedding → cell → linear → cross-entropy), with small dims.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { analyze, renderDiagnostics, type Analysis } from '../frontend.ts';
import { asModule, compileModel, type CompiledModel } from '../codegen/index.ts';
import { commentText } from '../codegen/names.ts';
import type { IRModel } from '../ir/types.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { readFromDisk } from '../syntax/load.ts';
import type { CellDecl } from '../syntax/ast.ts';
import { equalDimClasses, wrapCell } from '../wrap-cell.ts';
import { UserError } from './common.ts';
import { parseDims } from './options.ts';

export interface Opts {
  emit: string;
  out?: string;
  dims?: Map<string, number>;
  model?: string;
  cell?: string;
  inference?: boolean;
}

/** A wrapped cell's vocabulary, and the sizes its dims get in turn (small, distinct, ≠ vocab). */
const CELL_VOCAB = 10;
const CELL_DIM_DEFAULTS = [3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16];

const display = (f: string): string => relative(process.cwd(), f) || f;

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('generate the code of one training window: forward over T steps, the loss, and BPTT into a gradient arena')
    .argument('<file>', '.rnn file with a model, or a file of cells (a cell is wrapped in a minimal language model)')
    .option('--emit <format>', 'what to generate: js', 'js')
    .option('-o, --out <file>', 'write to a file instead of standard output')
    .option('--dims <name=value,...>', `bind open dims (shapes are concrete in generated code; default vocab=65, or for a cell vocab=${CELL_VOCAB} and ${CELL_DIM_DEFAULTS[0]}, ${CELL_DIM_DEFAULTS[1]}, … for its dims)`, parseDims)
    .option('--model <name>', 'which model, when the file has several')
    .option('--cell <name>', 'which cell to wrap, when the file has several cells (and no model)')
    .option('--inference', 'forward pass only (no gradients, no dropout)')
    .addHelpText(
      'after',
      [
        '',
        'A file that defines only cells (models/cells/*.rnn) has no loss to generate code for. Its',
        'cell is then wrapped in a minimal language model, as rnnc gradcheck wraps cells:',
        '  embedding (one per input) -> cell -> linear on its first state -> cross-entropy.',
        `Every dim must be bound: vocab defaults to ${CELL_VOCAB} and the cell's dims (in, hidden, ...) to`,
        `${CELL_DIM_DEFAULTS.slice(0, 3).join(', ')}, ... in order of appearance (dims the cell needs equal get one size);`,
        '--dims overrides them by the cell\'s own names (--dims in=8,hidden=16,vocab=65). A header',
        'comment in the output shows the wrapper and the dims used. A file with several cells',
        'needs --cell NAME (the error lists them).',
        '',
        'Examples:',
        '  rnnc compile models/char-lstm.rnn --emit js -o char-lstm.js',
        '  rnnc compile models/cells/lstm.rnn --emit js',
        '  rnnc compile models/cells/gru.rnn --cell GRUResetAfter --dims hidden=8',
      ].join('\n'),
    )
    .action((file: string, o: Opts) => {
      const { text, compiled } = compileText(file, o);
      if (o.out) {
        writeFileAtomic(o.out, text);
        console.error(`wrote ${o.out} (${text.split('\n').length} lines, ${compiled.layout.totalParams} parameters)`);
      } else process.stdout.write(text);
    });
}

/** What `rnnc compile FILE` writes: the generated module, after the header of a wrapped cell. Diagnostics go to stderr. */
export function compileText(file: string, o: Opts): { text: string; compiled: CompiledModel } {
  if (o.emit !== 'js') throw new UserError(`--emit must be js, not "${o.emit}"`);
  const dims = new Map(o.dims ?? []);
  let a = analyze(file, { dims });
  // Generated code has concrete shapes: an open vocab gets the tiny-Shakespeare size.
  const open = a.ok ? a.models.flatMap((m) => Object.entries(m.dims).filter(([, v]) => v === null).map(([k]) => k)) : [];
  if (open.includes('vocab') && !dims.has('vocab')) {
    dims.set('vocab', 65);
    a = analyze(file, { dims });
  }
  for (const text of renderDiagnostics(a)) console.error(text + '\n');
  if (!a.ok) throw new UserError(`${file} has errors; see above`);
  let compiled: CompiledModel;
  let header = '';
  if (a.models.length === 0 || o.cell !== undefined) {
    ({ compiled, header } = compileCell(file, a, o));
  } else {
    const m = o.model ? a.models.find((x) => x.name === o.model) : a.models.length === 1 ? a.models[0] : undefined;
    if (!m) throw new UserError(o.model ? `${file} has no model ${o.model}` : `${file} defines several models (${a.models.map((x) => x.name).join(', ')}); pick one with --model`);
    const still = Object.entries(m.dims).filter(([, v]) => v === null).map(([k]) => k);
    if (still.length) throw new UserError(`generated code needs every dim bound: pass --dims ${still.map((k) => `${k}=N`).join(',')}`);
    compiled = compileModel(m, { backward: !o.inference, sources: a.sources, displayPath: display });
  }
  return { text: header + asModule(compiled), compiled };
}

/** A cell of the file wrapped in a minimal LM, its dims bound, compiled; and the header that says so. */
function compileCell(file: string, a: Analysis, o: Opts): { compiled: CompiledModel; header: string } {
  const cells = a.context.units.filter((u) => u.file === a.root && u.kind === 'cell');
  const names = cells.map((u) => u.name).join(', ');
  if (o.model !== undefined) throw new UserError(a.models.length ? `--model and --cell exclude each other` : `${file} defines no model, only cells (${names || 'none'}); pick a cell with --cell, not --model`);
  let unit = cells.length === 1 ? cells[0] : undefined;
  if (o.cell !== undefined) {
    unit = cells.find((u) => u.name === o.cell);
    if (!unit) throw new UserError(`${file} has no cell ${o.cell}${cells.length ? ` (its cells: ${names})` : ' (it defines no cell)'}`);
  }
  if (cells.length === 0) throw new UserError(`${file} defines no model and no cell: there is nothing to generate code for`);
  if (!unit) throw new UserError(`${file} defines no model and several cells (${names}); pick the one to wrap in a language model with --cell NAME`);
  const cell = unit.name;
  const w = wrapCell(unit.decl as CellDecl, a.root, readFromDisk, { modelName: `${cell}_LM`, fileName: `__wrapped_${cell}.rnn` });
  if (typeof w === 'string') throw new UserError(`${w}; write a model that uses it and compile that`);

  // --dims names the cell's own dims (`hidden`); the wrapper calls them `d_hidden`.
  const given = new Map<string, number>();
  for (const [k, v] of o.dims ?? []) {
    const name = k === 'vocab' ? 'vocab' : w.dims.includes(`d_${k}`) ? `d_${k}` : w.dims.includes(k) ? k : undefined;
    if (!name) throw new UserError(`--dims ${k}: cell ${cell} has no dim ${k} (its dims: ${w.cellDims.join(', ') || 'none'}; and vocab, the wrapper's vocabulary)`);
    given.set(name, v);
  }
  const shown = (d: string): string => (d === 'vocab' ? 'vocab' : d.slice(2));
  // Dims the cell needs equal (x + h with x: [in], h: [hidden]) get one size.
  const classes = equalDimClasses(w);
  const bound = new Map<string, number>();
  let next = 0;
  for (const c of classes) {
    const user = c.find((d) => given.has(d));
    const value = user !== undefined ? given.get(user)! : c.includes('vocab') ? CELL_VOCAB : CELL_DIM_DEFAULTS[next++ % CELL_DIM_DEFAULTS.length];
    for (const d of c) bound.set(d, given.get(d) ?? value);
  }
  const wa = analyze(w.path, { dims: bound, readFile: w.readFile });
  for (const text of renderDiagnostics(wa)) console.error(text + '\n');
  const ir: IRModel | undefined = wa.models.find((m) => m.name === w.name);
  if (!wa.ok || !ir) throw new UserError(`cell ${cell}, wrapped in a language model with ${w.dims.map((d) => `${shown(d)} = ${bound.get(d)}`).join(', ')}, does not check; see above`);

  const dimsArg = o.dims?.size ? ` --dims ${[...o.dims].map(([k, v]) => `${k}=${v}`).join(',')}` : '';
  const regenerate = `rnnc compile ${display(a.root)} --emit js${o.cell !== undefined ? ` --cell ${cell}` : ''}${dimsArg}${o.inference ? ' --inference' : ''}`;
  const compiled = compileModel(ir, { backward: !o.inference, sources: wa.sources, displayPath: display, regenerate });

  // Every text from outside (paths, the cell's names and dims, the wrapper's lines) goes through commentText.
  const c = (text: string): string => commentText(text, 200);
  const anyGiven = w.dims.some((d) => given.has(d));
  const dimText = w.dims.map((d) => `${c(shown(d))} = ${bound.get(d)}${anyGiven ? (given.has(d) ? ' (--dims)' : ' (default)') : ''}`).join(', ');
  const tied = classes.filter((k) => k.length > 1).map((k) => `${k.map((d) => c(shown(d))).join(' = ')} (the cell needs them equal)`);
  const wrapperLines = w.text.trimEnd().split('\n');
  const header = [
    `// rnnc compile: ${c(display(a.root))} defines only cells, no model, so it has no loss to`,
    `// generate code for. Cell ${c(cell)} is wrapped in a minimal language model, as rnnc gradcheck`,
    `// wraps cells: embedding → ${c(cell)} → linear → cross-entropy.`,
    `// Dims used: ${dimText}${anyGiven ? '.' : ' (defaults, small to keep the code readable).'}`,
    ...tied.map((t) => `//   ${t}`),
    `// Bind others with --dims ${w.dims.map((d) => `${c(shown(d))}=N`).join(',')}; in the wrapper, the cell's dim n is d_n.`,
    `// The wrapper is the virtual file ${c(display(w.path))}: the origins of its statements`,
    `// read [${c(display(w.path))}:line:col], those of the cell's [${c(display(w.cellFile))}:line:col].`,
    // The wrapper's indentation is the compiler's own; the rest of each line may come from the cell.
    ...wrapperLines.map((l, i) => `//   ${String(i + 1).padStart(2)} | ${/^ */.exec(l)![0]}${c(l)}`.trimEnd()),
    '',
    '',
  ].join('\n');
  return { compiled, header };
}
