// rnnc compile FILE --emit js — the generated code for one training window, to read or to
// embed (an ES module whose default export is `create(rt, config)`).
import { relative } from 'node:path';
import type { Command } from 'commander';
import { analyze, renderDiagnostics } from '../frontend.ts';
import { asModule, compileModel } from '../codegen/index.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { UserError } from './common.ts';
import { parseDims } from './options.ts';

interface Opts {
  emit: string;
  out?: string;
  dims?: Map<string, number>;
  model?: string;
  inference?: boolean;
}

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('generate the code of one training window: forward over T steps, the loss, and BPTT into a gradient arena')
    .argument('<file>', '.rnn file with a model')
    .option('--emit <format>', 'what to generate: js', 'js')
    .option('-o, --out <file>', 'write to a file instead of standard output')
    .option('--dims <name=value,...>', 'bind open dims (shapes are concrete in generated code; default vocab=65)', parseDims)
    .option('--model <name>', 'which model, when the file has several')
    .option('--inference', 'forward pass only (no gradients, no dropout)')
    .addHelpText('after', '\nExample:\n  rnnc compile models/char-lstm.rnn --emit js -o char-lstm.js')
    .action((file: string, o: Opts) => {
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
      if (a.models.length === 0) throw new UserError(`${file} defines no model (only cells); a model gives the cells a loss to generate code for`);
      const m = o.model ? a.models.find((x) => x.name === o.model) : a.models.length === 1 ? a.models[0] : undefined;
      if (!m) throw new UserError(o.model ? `${file} has no model ${o.model}` : `${file} defines several models (${a.models.map((x) => x.name).join(', ')}); pick one with --model`);
      const still = Object.entries(m.dims).filter(([, v]) => v === null).map(([k]) => k);
      if (still.length) throw new UserError(`generated code needs every dim bound: pass --dims ${still.map((k) => `${k}=N`).join(',')}`);
      const compiled = compileModel(m, { backward: !o.inference, sources: a.sources, displayPath: (f) => relative(process.cwd(), f) || f });
      const text = asModule(compiled);
      if (o.out) {
        writeFileAtomic(o.out, text);
        console.error(`wrote ${o.out} (${text.split('\n').length} lines, ${compiled.layout.totalParams} parameters)`);
      } else process.stdout.write(text);
    });
}
