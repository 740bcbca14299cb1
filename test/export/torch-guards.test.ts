// The exported module's guards. Names the PyTorch export refuses: a param or layer whose attribute the generated module
// already has (torch would refuse the parameter, or the method would hide the layer). The
// refusal points at the line; the lists it checks against are read back from Python (the
// oracle: dir() of nn.Module and of exported modules, vars() of model.py), so a method added
// to the export or an attribute of a newer torch cannot slip past them. And forward() names
// the targets it wants when given others, rather than failing inside a gather.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTorch, TorchExportError } from '../../src/export/torch/index.ts';
import { MODULE_LEVEL, RESERVED_ATTRIBUTES } from '../../src/export/torch/reserved.ts';
import { compile } from '../../src/runtime/model.ts';
import { haveTorch, PYTHON, writeExport } from './torch-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-reserved-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const GRU = resolve('models/cells/gru.rnn');

/** A GRU language model whose output matrix and layer are named as given. */
function model(name: string, param: string, layer: string) {
  const file = join(dir, `${name}-${param}-${layer}.rnn`);
  writeFileSync(file, `use "${GRU}"\n\nmodel ${name} {\n  dim vocab = 7\n  dim n = 4\n  param E: [vocab, n]\n  param ${param}: [vocab, n]\n  ${layer} = GRU(E[token], hidden = n)\n  loss cross_entropy(${param} @ ${layer}, next)\n}\n`);
  return compile(file).init(1);
}

function refusal(param: string, layer: string): string {
  const m = model('Clash', param, layer);
  try {
    exportTorch({ ir: m.ir, sources: m.sources });
  } catch (e) {
    if (!(e instanceof TorchExportError)) throw e;
    const d = e.diagnostic;
    return `${d.span?.start === undefined ? '?' : m.sources[d.span.file].slice(d.span.start, d.span.end)} | ${d.message} | ${d.hint}`;
  }
  return 'exported';
}

describe('the PyTorch export refuses names the module already has', () => {
  it('a param, a layer, and a private name, each at its declaration', () => {
    expect(refusal('forward', 'h')).toBe("forward | cannot export to PyTorch: the param name 'forward' is taken: torch's nn.Module has an attribute 'forward' | rename it in the model file");
    expect(refusal('W', 'train')).toBe("train | cannot export to PyTorch: the layer name 'train' is taken: torch's nn.Module has an attribute 'train' | rename it in the model file");
    expect(refusal('penalty', 'h')).toMatch(/^penalty \| .*the exported module has its own 'penalty' \(model.py's attribute\)/);
    expect(refusal('window_loss', 'h')).toMatch(/its own 'window_loss' \(model.py's method\)/);
    expect(refusal('W', '_h')).toMatch(/^_h \| .*'_h' starts with _, which nn.Module keeps for its internals/);
  });

  it('names beside the reserved ones export', () => {
    expect(refusal('forward_', 'trained')).toBe('exported');
    expect(refusal('W_', 'h_')).toBe('exported');
  });
});

// Each exported module's public attributes beside its params and layers, its nn.Module's, and model.py's module-level names.
const LIST = `
import importlib.util, json, sys
import torch, torch.nn as nn
out = {'nn': sorted(n for n in dir(nn.Module) if not n.startswith('_')), 'own': [], 'level': [], 'classes': []}
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location('m', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load()
    m.train()
    m(torch.zeros(3, 2, dtype=torch.long))
    taken = set(dict(m.named_parameters())) | set(dict(m.named_children()))
    out['own'] += [n for n in dir(m) if not n.startswith('_') and n not in taken]
    out['level'] += [n for n in vars(mod) if not n.startswith('__')]
    out['classes'].append(type(m).__name__)
print(json.dumps(out))
`;

describe.skipIf(!haveTorch())('the reserved names are every attribute model.py has (torch)', () => {
  it('nn.Module, the exported modules (plain, adaptive with dropout, token history) and model.py itself', () => {
    const files = [
      ['models/char-lstm.rnn', { vocab: 11 }],
      ['models/recipes/ptb-adaptive.rnn', { vocab: 10_001 }],
      ['models/window-lm.rnn', { vocab: 11 }],
    ] as const;
    const paths = files.map(([f, dims], i) => writeExport(compile(f, { dims }).init(1), join(dir, `m${i}`)).module);
    // A model named like one of model.py's functions gets a class of its own name plus _.
    paths.push(writeExport(model('load', 'W', 'h'), join(dir, 'named-load')).module);
    const r = spawnSync(PYTHON, ['-c', LIST, ...paths], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as { nn: string[]; own: string[]; level: string[]; classes: string[] };
    expect(got.nn.filter((n) => !RESERVED_ATTRIBUTES.has(n))).toEqual([]);
    expect([...new Set(got.own)].filter((n) => !RESERVED_ATTRIBUTES.has(n))).toEqual([]);
    expect(got.classes).toEqual(['CharLSTM', 'PTBAdaptive', 'WindowLM', 'load_']);
    expect([...new Set(got.level)].filter((n) => !n.startsWith('_') && !MODULE_LEVEL.has(n) && !got.classes.includes(n))).toEqual([]);
  });

  it('forward() refuses targets of the wrong shape or dtype, saying which it wants (K target positions are accepted)', () => {
    const cl = writeExport(compile('models/char-lstm.rnn', { dims: { vocab: 11 } }).init(1), join(dir, 'cl')).module;
    const code = [
      'import importlib.util, sys, torch',
      'spec = importlib.util.spec_from_file_location("m", sys.argv[1]); mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)',
      'm = mod.load(); t = torch.zeros(3, 2, dtype=torch.long)',
      'print(list(m(t, None, torch.zeros(3, 2, dtype=torch.long))[0].shape))',
      'for bad in (torch.zeros(2, 3, dtype=torch.long), torch.zeros(3, 2, dtype=torch.int32), torch.zeros(3, 2, 1, dtype=torch.long), torch.zeros(2, 3, 2, dtype=torch.long)):',
      '    try: m(t, None, bad); print("accepted")',
      '    except ValueError as e: print(e)',
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', code, cl], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      '[3, 2]',
      'targets must be int64 of shape [3, 2] or [K, 3, 2] (window_targets() of the window), not torch.int64 [2, 3]',
      'targets must be int64 of shape [3, 2] or [K, 3, 2] (window_targets() of the window), not torch.int32 [3, 2]',
      'targets must be int64 of shape [3, 2] or [K, 3, 2] (window_targets() of the window), not torch.int64 [3, 2, 1]',
      'accepted',
    ]);
  });
});

