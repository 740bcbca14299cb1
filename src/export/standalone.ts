// A compiled model as one JavaScript file with no dependency at all: the compiler's own
// inference code (the `create(rt, config)` that `rnnc compile --inference` prints), the
// forward kernels it calls, the WebAssembly SIMD GEMM built by src/kernels/wasm (inlined
// bytes; plain JavaScript where the engine lacks SIMD), the vocabulary, and the weights
// (inlined as base64, or read from a .safetensors at init). ES module or CommonJS.
import { planModel } from '../codegen/plan.ts';
import { emitModule } from '../codegen/emit.ts';
import { commentText } from '../codegen/names.ts';
import { buildGemmModule, resolveShape, workBytes } from '../kernels/wasm/gemm-module.ts';
import { encodeSafetensors } from '../runtime/safetensors.ts';
import { nextTokenRefusal } from '../ir/next-token.ts';
import type { LanguageModel } from '../runtime/model.ts';
import { apiSource } from './runtime-api.ts';
import { KERNEL_NAMES, kernelsSource } from './runtime-kernels.ts';
import { vocabSource } from './runtime-vocab.ts';
import { declarations } from './dts.ts';

export type ExportFormat = 'esm' | 'cjs';

export interface ExportOptions {
  format: ExportFormat;
  /** Inline the weights as base64 (default), or leave them to a .safetensors read at init. */
  weights?: 'inline' | 'external';
  /** Steps per window when scoring a text (speed only; default 64). */
  window?: number;
  /** How the model file is named in the header (default: its path). */
  displayPath?: (file: string) => string;
  /** Where the weights came from, for the header (e.g. the checkpoint directory). */
  origin?: string;
}

export interface ExportedModule {
  /** The module's source. */
  code: string;
  /** Its TypeScript declarations. */
  dts: string;
  /** The weights as a .safetensors file (keyed by IR name), to ship beside an `external` module. */
  safetensors: Uint8Array;
}

/** The names the module exports, in the order its declarations list them. */
export const API = ['init', 'initSync', 'info', 'encode', 'decode', 'initialState', 'step', 'score', 'sample'] as const;

/** One JavaScript file holding `model` (its code, kernels, vocabulary and, unless external, weights). */
export function exportModule(model: LanguageModel, options: ExportOptions): ExportedModule {
  if (options.format !== 'esm' && options.format !== 'cjs') throw new RangeError(`unknown module format ${JSON.stringify(options.format)}: expected esm or cjs`);
  const external = options.weights === 'external';
  const window = options.window ?? 64;
  if (!(Number.isInteger(window) && window >= 1 && window <= 4096)) throw new RangeError(`the score window must be an integer from 1 to 4096, not ${window}`);
  const display = options.displayPath ?? ((f: string) => f);
  const plan = planModel(model.ir, { backward: false, dropout: false });
  // The same layout as the model's arena, or the weights would land in the wrong places.
  const same = model.layout.totalParams === plan.totalParams && model.layout.params.every((p) => plan.paramName.get(p.name)?.offset === p.offset);
  if (!same) throw new Error(`internal: the inference code of ${model.name} lays out its parameters unlike the model's arena`);
  const source = emitModule(plan, { displayPath: display, regenerate: `rnnc export ${display(model.file)}` });
  const used = new Set([...source.matchAll(/\bk\.(\w+)/g)].map((m) => m[1]));
  const missing = [...used].filter((k) => !(KERNEL_NAMES as readonly string[]).includes(k));
  if (missing.length) throw new Error(`internal: the generated code calls kernels a standalone module lacks: ${missing.join(', ')}`);

  // Plain SIMD (no relaxed FMA: not every engine has it), over a memory the module sizes at init.
  const shape = resolveShape({ fma: false });
  const gemm = buildGemmModule({ shape, memory: { minPages: 1, maxPages: 65536, shared: false } }).bytes;
  const work = Math.ceil(workBytes(shape) / 64) * 64;
  const meta = {
    name: model.name,
    totalParams: model.layout.totalParams,
    vocab: model.layout.vocab,
    params: model.layout.params.map((p) => ({ name: p.name, shape: p.shape, offset: p.offset, size: p.size })),
    states: model.layout.states.map((s) => ({ name: s.name, size: s.size })),
  };
  const vocab = model.vocab ? { kind: model.vocab.kind, tokens: [...model.vocab.tokens] } : null;
  const arena = new Uint8Array(model.params.buffer, model.params.byteOffset, model.params.byteLength);
  const refusal = nextTokenRefusal(model.ir, 'sample text') && { score: nextTokenRefusal(model.ir, 'score a text'), sample: nextTokenRefusal(model.ir, 'sample text') };
  const weights = external ? 'null' : `'${Buffer.from(arena).toString('base64')}'`;

  const header = [
    `// ${commentText(model.name, 60)}: a language model compiled by rnnc from ${commentText(display(model.file))}${options.origin ? ` with the weights of ${commentText(options.origin)}` : ''}.`,
    '// A standalone module: it imports nothing, and runs in Node and in browsers (<script type="module"> for the ES module).',
    `// ${model.paramCount} parameters, vocabulary ${model.layout.vocab}${vocab ? ` (${vocab.kind})` : ''}; weights ${external ? 'external: init({ weights }) reads a .safetensors path, URL or ArrayBuffer' : 'inlined below'}.`,
    '// API: init, initSync, info, encode, decode, initialState, step, score, sample (see the .d.ts beside this file).',
    '// Do not edit: regenerate with `rnnc export`.',
  ];
  const parts = [
    header.join('\n'),
    options.format === 'cjs' ? "'use strict';" : '',
    `const MODEL = ${JSON.stringify(meta)};`,
    `const VOCAB = ${JSON.stringify(vocab)};`,
    `const WINDOW = ${window}; // steps per window when scoring (speed only)`,
    `const GEMM_WORK_BYTES = ${work}; // the GEMM's packing scratch`,
    // CBOW and skip-gram predict other positions than the next token: score and sample refuse them.
    `const REFUSAL = ${JSON.stringify(refusal)};`,
    '',
    '// ── the forward code, as rnnc compile --inference writes it',
    source.trimEnd(),
    kernelsSource(),
    vocabSource(),
    apiSource(),
    '// ── the WebAssembly SIMD GEMM (src/kernels/wasm/gemm-module.ts), and the weights: the parameter arena, float32 little-endian',
    `const GEMM_WASM = fromBase64('${Buffer.from(gemm).toString('base64')}');`,
    `const WEIGHTS = ${weights};`,
    '',
    options.format === 'esm'
      ? ['if (WEIGHTS !== null) await init();', `export { ${API.join(', ')} };`].join('\n')
      : `module.exports = { ${API.join(', ')} };`,
    '',
  ];
  const code = parts.filter((p, i) => p !== '' || i > 1).join('\n');
  const safetensors = encodeSafetensors(model.weightTensors(), { model: model.name });
  return { code, dts: declarations(model, { external }), safetensors };
}
