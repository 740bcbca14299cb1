// rnnc model → a standalone PyTorch file: an nn.Module whose parameters are rnnc's (the
// state_dict keys are rnnc's safetensors keys: `h1.W_i` is the submodule h1's W_i), whose
// forward(tokens [T, B], states) loops over time as the model's layers sweep (reversed
// ones backwards), with dropout active when training, and returns log-probabilities
// [T, B, V] and the final states. A target is one printer: every op is lowered by the
// `torch` entry of the op registry (graph/ops/); what cannot be lowered is refused with a
// diagnostic located in the model.
import { basename } from 'node:path';
import type { IRInit, IRModel } from '../../ir/types.ts';
import { unroll } from '../../graph/unroll.ts';
import { HISTORY_STATE } from '../../codegen/history.ts';
import { xavierBound } from '../../runtime/init.ts';
import { error, type Diagnostic } from '../../util/diagnostic.ts';
import { Unexportable } from '../onnx/stage.ts';
import { checkAttributeNames, className } from './reserved.ts';
import { forwardCode, paramExpr, pyFloat, pyName, type ForwardCode } from './forward.ts';
import { METHODS_PY, SAFETENSORS_PY } from './python.ts';

/** An export refused: `diagnostic` says where in the model, and why. */
export class TorchExportError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

export interface TorchExportInput {
  ir: IRModel;
  /** The .rnn sources by path, for the comments. */
  sources: Readonly<Record<string, string>>;
}

export interface TorchExportOptions {
  /** The weights file the generated load() reads by default (beside model.py). */
  weightsFile?: string;
  producerVersion?: string;
  /** rnnc train --init-scale a: every parameter drawn uniform(-a, a) instead of its `init` (null: the inits). */
  initScale?: number | null;
}

/** The PyTorch call that draws a parameter as its `init` says (the distribution of rnnc's init, not its random stream). */
function initPy(name: string, shape: number[], i: IRInit): string {
  const p = `self.${name}`;
  const size = shape.reduce((a, b) => a * b, 1);
  switch (i.name) {
    case 'zeros':
      return `nn.init.zeros_(${p})`;
    case 'ones':
      return `nn.init.ones_(${p})`;
    case 'constant':
      return `nn.init.constant_(${p}, ${i.args[0]})`;
    case 'uniform':
      return `nn.init.uniform_(${p}, -${i.args[0]}, ${i.args[0]})`;
    case 'normal':
      return `nn.init.normal_(${p}, 0.0, ${i.args[0]})`;
    case 'xavier': {
      const a = xavierBound(shape);
      return `nn.init.uniform_(${p}, -${a}, ${a})`;
    }
    case 'orthogonal':
      return `nn.init.orthogonal_(${p}.view(${shape[0] ?? 1}, ${size / (shape[0] ?? 1)}))`;
  }
}

const initText = (i: IRInit): string => `init ${i.name}${i.args.length ? `(${i.args.join(', ')})` : ''}${i.implicit ? ' (default)' : ''}`;

/** The text of model.py. */
export function exportTorch(model: TorchExportInput, options: TorchExportOptions = {}): string {
  try {
    return build(model, options);
  } catch (e) {
    if (e instanceof Unexportable) throw new TorchExportError(error('torch-export', e.span, `cannot export to PyTorch: ${e.message}`, e.hint));
    throw e;
  }
}

/** forward()'s last lines: the log-probabilities of every word, or (given targets) of each target only. */
function outputLines(fw: ForwardCode): string[] {
  const o = fw.output;
  const picked = ['        if targets is not None:', '            return self._target_log_probs(log_probs, targets), finals', '        return log_probs, finals'];
  if (!o) return [`        log_probs = F.log_softmax(${fw.logits}, dim=-1)`, ...picked];
  const z = (h: string): string => `${h} @ ${o.W}.T${o.b ? ` + ${o.b}` : ''}`;
  if (!o.cutoffs) return [`        # the output layer, after the loops: one product for all the steps${o.where ? ` (${o.where})` : ''}`, `        log_probs = F.log_softmax(${z(o.h)}, dim=-1)`, ...picked];
  return [
    `        # the adaptive softmax's output layer, after the loops: given targets, the head for every step and each tail cluster only for the steps whose target is in it (as rnnc trains)${o.where ? `; ${o.where}` : ''}`,
    `        hs, us = ${o.h}, ${o.u}`,
    '        if targets is not None:',
    `            return self._adaptive_target_log_probs(hs, us, ${o.W}, ${o.b ?? 'None'}, targets, ${JSON.stringify(o.cutoffs)}), finals`,
    `        return self._adaptive_log_probs(${z('hs')}, us, ${JSON.stringify(o.cutoffs)}), finals`,
  ];
}

function build({ ir, sources }: TorchExportInput, options: TorchExportOptions): string {
  // Names first: a clash is the user's to fix, before any of the graph work below.
  checkAttributeNames(ir);
  // DropConnect: the window's masked copy of each weight-dropped param, read by the loops.
  const dropped = new Map(ir.params.filter((p) => p.weightDrop).map((p) => [p.name, `wd_${pyName(p.name)}`]));
  // The training graph: it has the dropout masks and ar/tar terms, which apply only when training.
  const g = unroll(ir, 1, { training: true });
  const fw = forwardCode(g, sources, dropped);
  const masked = g.nodes.some((n) => n.op === 'mask' && n.attrs.mode);
  const cls = className(pyName(ir.name));
  const shapeOf = (name: string): number[] => g.nodes[g.params.get(name)!].shape;
  const containers = new Set<string>();
  for (const p of ir.params) {
    const parts = p.name.split('.');
    for (let k = 1; k < parts.length; k++) containers.add(parts.slice(0, k).join('.'));
  }
  const py = (s: string): string => JSON.stringify(s);
  const H = fw.history;
  // The carried token history is one more state, as in rnnc's layout and checkpoints (the last H tokens, as id + 1: 0 is the pad).
  const states: [string, string][] = [...g.states.map((s): [string, string] => [s.name, `(${s.shape.join(', ')},)`]), ...(H ? [[HISTORY_STATE, `(${H},)`] as [string, string]] : [])];
  const finals = [...g.states.map((s) => `${py(s.name)}: ${fw.stateVars.get(s.name)}`), ...(H ? [`${py(HISTORY_STATE)}: self._history_after(xtokens, states)`] : [])];
  const scale = options.initScale ?? null;
  const scaled: IRInit | null = scale !== null ? { name: 'uniform', args: [scale] } : null;
  const out: string[] = [
    '#!/usr/bin/env python3',
    `"""${ir.name}, exported by rnnc${options.producerVersion ? ` ${options.producerVersion}` : ''} from ${basename(ir.file)} as a PyTorch module.`,
    '',
    'Parameter names are rnnc\'s safetensors keys: the dots are submodules, so rnnc\'s `h1.W_i` is',
    'the attribute self.h1.W_i and the state_dict key "h1.W_i" (no renaming). States are passed',
    'and returned as a dict keyed by rnnc\'s state names ("h1.c"), each [B, size].',
    '',
    '    model = load()                      # weights from the .safetensors beside this file',
    '    log_probs, states = model(tokens)   # tokens: int64 [T, B]; log_probs: [T, B, VOCAB]',
    '    targets = model.window_targets(window, states)   # window: int64 [T + 1, B], the inputs and the next tokens',
    '    lp, states = model(window[:-1], states, targets)  # each target\'s log-probability, shaped as targets',
    '    loss = model.target_loss(lp)         # rnnc\'s loss (what train.py differentiates, with model.penalty)',
    ...(H
      ? [
          '',
          `The model reads up to ${H} tokens before a step${fw.targets.some((k) => k < 0) ? ' and predicts tokens before it (it runs late, as in rnnc)' : ''}: the last ${H} tokens`,
          `of each stream are carried between windows as the state "${HISTORY_STATE}" (id + 1; zero at a stream's start: the pad).`,
          'A window\'s targets come from the window and that history: window_targets(window [T + 1, B], states before it).',
        ]
      : []),
    '',
    'Needs only torch (numpy, when present, makes saving faster).',
    '"""',
    'import json',
    'import os',
    'import struct',
    '',
    'import torch',
    'import torch.nn.functional as F',
    'from torch import nn',
    '',
    `VOCAB = ${fw.vocab}`,
    '# The states in rnnc\'s layout order: name -> per-stream shape.',
    `STATES = {${states.map(([n, shape]) => `${py(n)}: ${shape}`).join(', ')}}`,
    '# States of reversed layers: they start every window from zeros and are not carried.',
    `REVERSED = {${g.states.filter((s) => s.reverse).map((s) => py(s.name)).join(', ')}}`,
    H
      ? `# The tokens before the window that the model reads (token@-k; a model that looks ahead runs late), carried as the state ${py(HISTORY_STATE)}: the last HISTORY tokens of each stream as id + 1 (0: the pad before a stream's start, a zero row).`
      : '# No token before the window is read: no token history is carried.',
    `HISTORY = ${H}`,
    `HISTORY_STATE = ${py(HISTORY_STATE)}`,
    '# Where the targets of step t are, relative to its input token (1: the next token; 0: the same; -k: k before, from the',
    '# history); with several, the step\'s loss is the mean of their cross-entropies (a loss over context positions).',
    `TARGETS = [${fw.targets.join(', ')}]`,
    `WEIGHTS = ${py(options.weightsFile ?? `${ir.name.toLowerCase()}.safetensors`)}`,
    '',
    '',
    SAFETENSORS_PY.trimEnd(),
    '',
    '',
    `class ${cls}(nn.Module):`,
    '    def __init__(self, dtype=torch.float32):',
    '        super().__init__()',
    ...[...containers].map((c) => `        self.${c} = nn.Module()`),
    ...ir.params.map((p) => {
      const shape = shapeOf(p.name);
      const dims = p.shape.map((d) => (typeof d === 'number' ? String(d) : String(d))).join(', ');
      const init = scaled ? `${initText(scaled)} (--init-scale; the model says ${initText(p.init)})` : initText(p.init);
      return `        self.${p.name} = nn.Parameter(torch.zeros([${shape.join(', ')}], dtype=dtype))  # [${dims}], ${init}`;
    }),
    '        self.reset_parameters()',
    '',
    '    def reset_parameters(self):',
    scaled
      ? `        """Draws every parameter uniform(-${scale}, ${scale}), as rnnc train --init-scale ${scale} does (rnnc's distribution; not its random numbers)."""`
      : '        """Draws every parameter as its `init` in the model says (rnnc\'s distributions; not its random numbers)."""',
    '        with torch.no_grad():',
    ...ir.params.map((p) => `            ${initPy(p.name, shapeOf(p.name), scaled ?? p.init)}`),
    '',
    METHODS_PY.trimEnd(),
    '',
    '    def forward(self, tokens, states=None, targets=None):',
    '        """tokens: int64 [T, B]; states: dict of [B, size] (default zeros). Returns (log_probs [T, B, VOCAB], final states);',
    '        given targets (window_targets()), (the log-probability of each target, shaped as targets, 0 at a pad; final states)."""',
    '        T, B = tokens.shape',
    '        if targets is not None:',
    '            self._check_targets(targets, T, B)',
    '        if states is None:',
    '            states = self.initial_states(B)',
    ...g.states.map((s) => `        ${fw.stateVars.get(s.name)} = states[${py(s.name)}]`),
    ...(H ? [`        xtokens = self._with_history(tokens, states)  # [${H} + T, B]: the ${H} tokens before the window (-1: the pad), then the window's; xtokens[t + ${H}] is tokens[t]`] : []),
    ...(masked ? ['        masks = {}  # the window-wide dropout masks (locked_dropout, embedding_dropout), drawn at their first use'] : []),
    ...ir.params.filter((p) => p.weightDrop).map((p) => `        ${dropped.get(p.name)} = self._weight_drop(${py(p.name)}, ${paramExpr(p.name)}, ${pyFloat(p.weightDrop!)})  # weight_drop ${p.weightDrop}: one mask for the window`),
    ...(fw.penalty ? ['        penalty = 0.0'] : []),
    ...fw.lines.map((l) => `        ${l}`),
    ...(fw.penalty ? ['        # the ar/tar terms: their mean over the steps joins the loss in training (objective())', '        self.penalty = penalty / T if self.training else 0.0'] : []),
    `        finals = {${finals.join(', ')}}`,
    ...outputLines(fw),
    '',
    '',
    `def load(path=None, dtype=torch.float32):`,
    '    """The model with rnnc\'s weights (default: WEIGHTS beside this file)."""',
    `    model = ${cls}(dtype)`,
    '    return model.load_rnnc(path or os.path.join(os.path.dirname(os.path.abspath(__file__)), WEIGHTS))',
    '',
    '',
    `Model = ${cls}`,
    '',
  ];
  return out.join('\n');
}
