// `rnnc import-torch STATE_DICT.pt|.safetensors --model MODEL.rnn --vocab V -o CKPT`: weights
// trained in PyTorch — the exported module's (rnnc's names) or a stock nn.LSTM language model's
// (embedding, nn.LSTM, Linear; the gates split onto rnnc's LSTM cells) — become an rnnc
// checkpoint that eval, sample, score and export read. Names and shapes are checked against
// the model; a .safetensors file needs no torch, a pickle needs /usr/bin/python3 with torch.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ImportError, mapStateDict } from '../export/torch/import-map.ts';
import { readStateDict, StateDictError } from '../export/torch/read-state-dict.ts';
import { readVocab } from '../runtime/data/vocab.ts';
import { compile, loadIR } from '../runtime/model.ts';
import { saveCheckpoint } from '../runtime/train/checkpoint.ts';
import { loadModel, UserError } from './common.ts';
import { parseDims } from './options.ts';
import { resolveBundled } from './resolve-model.ts';
import { VERSION } from './version.ts';

interface Opts {
  model: string;
  vocab: string;
  out: string;
  dims?: Map<string, number>;
  modelName?: string;
  list?: boolean;
}

function action(stateDict: string, o: Opts): void {
  const file = resolveBundled(o.model, { modelName: true });
  // vocab.json, or a checkpoint directory holding one.
  const vocabPath = existsSync(o.vocab) && statSync(o.vocab).isDirectory() ? join(o.vocab, 'vocab.json') : o.vocab;
  if (!existsSync(vocabPath)) throw new UserError(`${vocabPath}: no such vocabulary file (give a vocab.json or a checkpoint directory)`);
  const vocab = readVocab(vocabPath);
  if (o.dims?.has('vocab') && o.dims.get('vocab') !== vocab.size) throw new UserError(`--dims vocab=${o.dims.get('vocab')} but ${vocabPath} has ${vocab.size} tokens; leave vocab out`);
  // Check the model as `rnnc check` does (diagnostics with their locations) before compiling it.
  loadModel(file, new Map([...(o.dims ?? []), ['vocab', vocab.size]]), o.modelName);
  loadIR(file, { dims: o.dims, model: o.modelName, vocab });
  const model = compile(file, { dims: o.dims, model: o.modelName, vocab });
  let imported;
  try {
    imported = mapStateDict(model.ir, readStateDict(stateDict), stateDict);
  } catch (e) {
    if (e instanceof ImportError || e instanceof StateDictError) throw new UserError(e.message);
    throw e;
  }
  model.loadWeights(imported.weights, stateDict);
  saveCheckpoint(o.out, { model, initSeed: 0, version: VERSION, best: 'none' });
  const how = imported.layout === 'rnnc' ? "rnnc's parameter names" : 'a stock nn.LSTM language model, its gates split in the order i, f, g, o';
  console.log(`wrote ${o.out}: ${model.name} (${model.paramCount.toLocaleString('en-US')} parameters) from ${stateDict} (${how}), vocabulary ${vocab.size} from ${vocabPath}`);
  if (o.list) for (const [name, from] of imported.sources) console.log(`  ${name} ← ${from}`);
}

export function registerImportTorch(program: Command): void {
  program
    .command('import-torch')
    .description('make an rnnc checkpoint of PyTorch weights: a state dict of the exported module, or of a stock nn.LSTM language model')
    .argument('<state-dict>', 'a state dict as .safetensors (no torch needed) or .pt/.pth (torch.save; read with /usr/bin/python3 and torch)')
    .requiredOption('--model <file>', 'the .rnn file of the model the weights are for')
    .requiredOption('--vocab <file>', "the vocabulary: a vocab.json (rnnc's, its tokens in the ids' order) or a checkpoint directory")
    .requiredOption('-o, --out <dir>', 'the checkpoint directory to write')
    .option('--dims <name=value,...>', 'bind or override model dims (vocab comes from --vocab)', parseDims)
    .option('--model-name <name>', 'which model, when the file has several')
    .option('--list', 'list where each parameter came from')
    .addHelpText(
      'after',
      `
A state dict whose keys are the model's parameter names (h1.W_i …: the exported module's) is
read as it is. Otherwise it must be an LSTM language model as PyTorch's examples build it: an
nn.Embedding (weight), an nn.LSTM (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, …)
and an nn.Linear decoder (weight, bias). Each stacked [4 × hidden, …] matrix is split in
PyTorch's gate order i, f, g, o onto W_i, W_f, W_c, W_o (U_* for weight_hh); a cell with one
bias per gate (cells/lstm.rnn) gets bias_ih + bias_hh, one with two (cells/lstm-zaremba.rnn)
gets each. A .pt file is a pickle: it is read with torch.load(weights_only=True).

Examples:
  rnnc import-torch lm.pt --model models/word-lstm.rnn --vocab vocab.json --dims embed=650,hidden=650 -o runs/imported
  rnnc import-torch trained.safetensors --model models/char-lstm.rnn --vocab runs/shakespeare -o runs/back`,
    )
    .action((stateDict: string, o: Opts) => action(stateDict, o));
}
