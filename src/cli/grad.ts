// rnnc grad MODEL --weights W.safetensors --tokens T.json — the loss and every parameter's
// gradient for one window from zero initial states: the black-box contract through which
// rnnc is compared with other frameworks.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { compileModel } from '../codegen/index.ts';
import { suggest } from '../check/suggest.ts';
import type { IRModel } from '../ir/types.ts';
import { readSafetensors, writeSafetensors, type Tensor } from '../runtime/safetensors.ts';
import { loadModel, UserError } from './common.ts';
import { parseDims } from './options.ts';

interface Opts {
  weights: string;
  tokens: string;
  dims?: Map<string, number>;
  dtype: string;
  out?: string;
  model?: string;
}

/** `{"tokens": [[…], …]}` of shape [B, T + 1], integer ids. */
export function readTokens(path: string): number[][] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new UserError(`${path}: ${code === 'ENOENT' ? 'no such file' : e instanceof SyntaxError ? `not valid JSON (${e.message})` : String(e)}`);
  }
  const rows = (json as { tokens?: unknown })?.tokens;
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every(Array.isArray)) throw new UserError(`${path}: expected {"tokens": [[…], …]}, a non-empty list of token lists`);
  const len = (rows[0] as unknown[]).length;
  if (len < 2) throw new UserError(`${path}: each row needs at least 2 tokens (T + 1 with T >= 1)`);
  rows.forEach((r: unknown[], i) => {
    if (r.length !== len) throw new UserError(`${path}: row ${i} has ${r.length} tokens, row 0 has ${len}; all rows need the same length`);
    r.forEach((t, j) => {
      if (!Number.isSafeInteger(t) || (t as number) < 0) throw new UserError(`${path}: tokens[${i}][${j}] = ${JSON.stringify(t)} is not a non-negative integer`);
    });
  });
  return rows as number[][];
}

/** Binds dims the model leaves open from the shapes of the weights (e.g. vocab from E). */
function dimsFromWeights(m: IRModel, weights: Map<string, Tensor>): Map<string, number> {
  const found = new Map<string, number>();
  for (const p of m.params) {
    const t = weights.get(p.name);
    if (!t || t.shape.length !== p.shape.length) continue;
    p.shape.forEach((d, i) => {
      if (typeof d === 'string' && /^[A-Za-z_]\w*$/.test(d) && !found.has(d)) found.set(d, t.shape[i]);
    });
  }
  return found;
}

export function matchWeights(m: IRModel, weights: Map<string, Tensor>, file: string): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  const problems: string[] = [];
  for (const p of m.params) {
    const t = weights.get(p.name);
    if (!t) {
      problems.push(`no tensor '${p.name}' (shape ${JSON.stringify(p.shape)})`);
      continue;
    }
    if (JSON.stringify(t.shape) !== JSON.stringify(p.shape)) {
      problems.push(`tensor '${p.name}' has shape ${JSON.stringify(t.shape)}, the model needs ${JSON.stringify(p.shape)}`);
      continue;
    }
    out.set(p.name, Float64Array.from(t.data));
  }
  const names = m.params.map((p) => p.name);
  for (const k of weights.keys()) {
    if (!names.includes(k)) {
      const close = suggest(k, names);
      problems.push(`tensor '${k}' is not a param of ${m.name}${close ? ` (did you mean '${close}'?)` : ''}`);
    }
  }
  if (problems.length) throw new UserError(`${file} does not match model ${m.name}:\n  ${problems.join('\n  ')}`);
  return out;
}

/** One window through the generated code (no dropout, zero initial states). */
function generatedLossAndGrads(m: IRModel, params: Map<string, Float64Array>, tokens: number[][], Float: Float32ArrayConstructor | Float64ArrayConstructor) {
  const compiled = compileModel(m, { backward: true, dropout: false });
  const P = new Float(compiled.layout.totalParams);
  for (const slot of compiled.layout.params) P.set(params.get(slot.name)!, slot.offset);
  const G = new Float(P.length);
  const runner = compiled.instantiate({ Float, B: tokens.length, T: tokens[0].length - 1, params: P, grads: G });
  const loss = runner.run(Int32Array.from(tokens.flat()), { carry: false });
  const grads = new Map(compiled.layout.params.map((slot) => [slot.name, G.slice(slot.offset, slot.offset + slot.size)]));
  return { loss, grads };
}

export function registerGrad(program: Command): void {
  program
    .command('grad')
    .description('the loss (mean cross-entropy over the B·T predictions, natural log) and every parameter gradient for one window, from zero initial states')
    .argument('<model>', '.rnn file with a model')
    .requiredOption('--weights <file>', 'parameters as safetensors, keyed by IR name (e.g. h1.W_i)')
    .requiredOption('--tokens <file>', 'JSON {"tokens": [[…], …]} of shape [B, T + 1]')
    .option('--dims <name=value,...>', 'bind or override model dims (open dims are also read from the weights)', parseDims)
    .option('--dtype <float64|float32>', 'arithmetic precision', 'float64')
    .option('--out <file>', 'write the gradients as safetensors, keyed by IR name')
    .option('--model <name>', 'which model, when the file has several')
    .addHelpText('after', '\nDropout is off: the result is deterministic.\n\nExample:\n  rnnc grad models/word-lstm.rnn --weights w.safetensors --tokens t.json --out g.safetensors')
    .action((file: string, o: Opts) => {
      if (o.dtype !== 'float64' && o.dtype !== 'float32') throw new UserError(`--dtype must be float64 or float32, not "${o.dtype}"`);
      const weights = readSafetensors(o.weights).tensors; // a malformed file is a SafetensorsError: main.ts reports it
      const tokens = readTokens(o.tokens);
      const dims = new Map(o.dims ?? []);
      let m = loadModel(file, dims, o.model);
      const open = Object.entries(m.dims).filter(([, v]) => v === null).map(([k]) => k);
      if (open.length) {
        const fromWeights = dimsFromWeights(m, weights);
        for (const k of open) if (fromWeights.has(k)) dims.set(k, fromWeights.get(k)!);
        const still = open.filter((k) => !dims.has(k));
        if (still.length) throw new UserError(`dim${still.length > 1 ? 's' : ''} ${still.join(', ')} of ${m.name} ${still.length > 1 ? 'are' : 'is'} not bound and not implied by the weights; pass --dims ${still.map((k) => `${k}=N`).join(',')}`);
        m = loadModel(file, dims, o.model);
      }
      const params = matchWeights(m, weights, o.weights);
      const vocab = m.dims.vocab!;
      tokens.forEach((r, i) => r.forEach((t, j) => {
        if (t >= vocab) throw new UserError(`${o.tokens}: tokens[${i}][${j}] = ${t} is outside the vocabulary [0, ${vocab})`);
      }));
      const r = generatedLossAndGrads(m, params, tokens, o.dtype === 'float32' ? Float32Array : Float64Array);
      console.log(`loss ${r.loss}`);
      console.log(`(mean cross-entropy in nats over ${tokens.length}×${tokens[0].length - 1} predictions; perplexity ${Math.exp(r.loss).toFixed(4)})`);
      const width = Math.max(...m.params.map((p) => p.name.length));
      for (const p of m.params) {
        const d = r.grads.get(p.name)!;
        let s = 0;
        for (const v of d) s += v * v;
        console.log(`  ${p.name.padEnd(width)}  ${JSON.stringify(p.shape).padEnd(12)} |grad| ${Math.sqrt(s).toExponential(6)}`);
      }
      if (o.out) {
        const dtype = o.dtype === 'float32' ? 'F32' : 'F64';
        writeSafetensors(o.out, m.params.map((p) => [p.name, { dtype, shape: p.shape as number[], data: r.grads.get(p.name)! }] as [string, Tensor]), { loss: String(r.loss), model: m.name, dtype: o.dtype });
        console.log(`wrote ${o.out}`);
      }
    });
}
