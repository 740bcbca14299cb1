// PyTorch state dicts → rnnc's parameters, by name, with every name and shape checked.
// Two layouts are read: the exported module's (its keys are rnnc's names, `h1.W_i`), and a
// stock LSTM language model — an nn.Embedding, an nn.LSTM (or several), an nn.Linear — whose
// stacked gate matrices are split in PyTorch's gate order i, f, g, o onto the W_*, U_* and
// b_* (or bx_*/bh_*) of rnnc's LSTM layers (models/cells/lstm.rnn, lstm-zaremba.rnn).
import type { IRExpr, IRModel } from '../../ir/types.ts';
import type { Tensor } from '../../runtime/safetensors.ts';

/** A state dict that does not fit the model: the message names the tensors and shapes. */
export class ImportError extends Error {}

export interface ImportedWeights {
  /** rnnc's parameter name → its values (row-major, the model's shape). */
  weights: Map<string, Float32Array>;
  /** 'rnnc' (keys are rnnc's names) or 'lstm' (a stock nn.LSTM language model). */
  layout: 'rnnc' | 'lstm';
  /** How each rnnc parameter was filled, for the report ("h1.W_i ← rnn.weight_ih_l0[0:32]"). */
  sources: Map<string, string>;
}

const show = (s: readonly number[]) => `[${s.join(', ')}]`;
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const GATES = ['i', 'f', 'c', 'o'] as const; // PyTorch's order i, f, g, o; g is rnnc's c (c_hat)
const LSTM_KEY = /^(.*)\.(weight|bias)_(ih|hh)_l(\d+)(_reverse)?$/;

/** The rnnc parameters' concrete shapes. */
function shapes(ir: IRModel): Map<string, number[]> {
  return new Map(ir.params.map((p) => [p.name, p.shape.map(Number)]));
}

/** Maps `tensors` onto the parameters of `ir`; throws ImportError naming what does not fit. */
export function mapStateDict(ir: IRModel, tensors: Map<string, Tensor>, what: string): ImportedWeights {
  const want = shapes(ir);
  const keys = [...tensors.keys()];
  if (keys.some((k) => want.has(k)) || !keys.some((k) => LSTM_KEY.test(k))) return byName(ir, want, tensors, what);
  return fromStockLstm(ir, want, tensors, what);
}

/** The exported module's state dict: rnnc's names and shapes, one for one. */
function byName(ir: IRModel, want: Map<string, number[]>, tensors: Map<string, Tensor>, what: string): ImportedWeights {
  const unknown = [...tensors.keys()].filter((k) => !want.has(k));
  const missing = [...want.keys()].filter((k) => !tensors.has(k));
  const problems: string[] = [];
  if (unknown.length) problems.push(`tensors that are not parameters of ${ir.name}: ${unknown.join(', ')}`);
  if (missing.length) problems.push(`no tensor for ${missing.join(', ')}`);
  for (const [name, shape] of want) {
    const t = tensors.get(name);
    if (t && !same(t.shape, shape)) problems.push(`${name} has shape ${show(t.shape)}, ${ir.name}'s ${name} is ${show(shape)}${declared(ir, name)}`);
  }
  if (problems.length) throw new ImportError(`${what} does not fit ${ir.name} (${ir.file}): ${problems.join('; ')}${hint(ir)}`);
  const weights = new Map([...want.keys()].map((k) => [k, Float32Array.from(tensors.get(k)!.data)]));
  return { weights, layout: 'rnnc', sources: new Map([...want.keys()].map((k) => [k, k])) };
}

/** " (layer h1: in = 16, hidden = 32)": the dims of the layer a param belongs to, as bound. */
function declared(ir: IRModel, name: string): string {
  const p = ir.params.find((q) => q.name === name)!;
  const layer = ir.layers.find((l) => l.name === p.layer);
  return layer ? ` (layer ${layer.name}: ${Object.entries(layer.dims).map(([k, v]) => `${k} = ${v}`).join(', ')})` : '';
}

const hint = (ir: IRModel) =>
  `. The model's dims are ${Object.entries(ir.dims).map(([k, v]) => `${k} = ${v}`).join(', ')} (vocab from --vocab); bind others with --dims (e.g. --dims ${Object.keys(ir.dims).filter((d) => d !== 'vocab').map((d) => `${d}=N`).join(',') || 'NAME=N'})`;

/** The table of the model's `E[token]`: its embedding. */
function embeddingOf(ir: IRModel): string | null {
  let found: string | null = null;
  const visit = (e: IRExpr) => {
    if (e.op === 'gather') found ??= e.table;
    if ('args' in e) e.args.forEach(visit);
  };
  ir.step.forEach((s) => visit(s.expr));
  return found;
}

interface LstmLayer {
  prefix: string;
  index: number;
}

/** A stock LSTM LM: embedding, nn.LSTM layers in order, a Linear decoder. */
function fromStockLstm(ir: IRModel, want: Map<string, number[]>, tensors: Map<string, Tensor>, what: string): ImportedWeights {
  const fail = (msg: string): never => {
    throw new ImportError(`${what}: ${msg}`);
  };
  const weights = new Map<string, Float32Array>();
  const sources = new Map<string, string>();
  const used = new Set<string>();
  const get = (key: string, shape: number[], role: string): Tensor => {
    const t = tensors.get(key) ?? fail(`no tensor ${key} (${role})`);
    if (!same(t.shape, shape)) fail(`${key} has shape ${show(t.shape)}; ${role} needs ${show(shape)}${hint(ir)}`);
    used.add(key);
    return t;
  };
  // The nn.LSTM layers, in the order the file has them (module by module, then l0, l1, …).
  const layers: LstmLayer[] = [];
  for (const key of tensors.keys()) {
    const m = LSTM_KEY.exec(key);
    if (!m) continue;
    if (m[5]) fail(`${key}: a bidirectional nn.LSTM; rnnc's LSTM layers run forwards (import its directions as separate layers of an exported model instead)`);
    if (!layers.some((l) => l.prefix === m[1] && l.index === Number(m[4]))) layers.push({ prefix: m[1], index: Number(m[4]) });
  }
  const prefixes = [...new Set(layers.map((l) => l.prefix))];
  layers.sort((a, b) => prefixes.indexOf(a.prefix) - prefixes.indexOf(b.prefix) || a.index - b.index);
  for (const key of tensors.keys()) if (/\.weight_hr_l\d+/.test(key)) fail(`${key}: an nn.LSTM with proj_size; rnnc's LSTM cells have no projection`);
  // rnnc's LSTM layers: those with the gate params of cells/lstm.rnn or cells/lstm-zaremba.rnn.
  const rnncLayers = ir.layers.filter((l) => GATES.every((g) => l.params.includes(`${l.name}.W_${g}`) && l.params.includes(`${l.name}.U_${g}`)));
  if (layers.length !== rnncLayers.length) {
    fail(`${layers.length} nn.LSTM layer(s) (${layers.map((l) => `${l.prefix}.*_l${l.index}`).join(', ')}), but ${ir.name} has ${rnncLayers.length} LSTM layer(s)${rnncLayers.length ? ` (${rnncLayers.map((l) => l.name).join(', ')})` : ''}`);
  }
  rnncLayers.forEach((layer, k) => {
    const { prefix, index } = layers[k];
    if (layer.reverse) fail(`${ir.name}'s layer ${layer.name} is reversed; a stock nn.LSTM layer runs forwards`);
    const H = want.get(`${layer.name}.U_i`)![0];
    const In = want.get(`${layer.name}.W_i`)![1];
    const key = (kind: 'weight' | 'bias', side: 'ih' | 'hh') => `${prefix}.${kind}_${side}_l${index}`;
    const role = (what: string) => `${ir.name}'s layer ${layer.name} (${layer.cell}, hidden ${H}, input ${In}), as ${what} stacked in the gate order i, f, g, o,`;
    const wih = get(key('weight', 'ih'), [4 * H, In], role('W_i, W_f, W_c, W_o'));
    const whh = get(key('weight', 'hh'), [4 * H, H], role('U_i, U_f, U_c, U_o'));
    const hasBias = tensors.has(key('bias', 'ih')) || tensors.has(key('bias', 'hh'));
    const biases = layer.params.includes(`${layer.name}.bx_i`) ? 'bx_* (bias_ih) and bh_* (bias_hh)' : 'b_i, b_f, b_c, b_o (bias_ih + bias_hh)';
    const bih = hasBias ? get(key('bias', 'ih'), [4 * H], role(biases)).data : new Float64Array(4 * H);
    const bhh = hasBias ? get(key('bias', 'hh'), [4 * H], role(biases)).data : new Float64Array(4 * H);
    const two = layer.params.includes(`${layer.name}.bx_i`);
    GATES.forEach((g, gi) => {
      const rows = (t: ArrayLike<number>, cols: number) => Float32Array.from(Array.prototype.slice.call(t, gi * H * cols, (gi + 1) * H * cols) as number[]);
      const put = (name: string, data: Float32Array, from: string) => {
        if (!want.has(name)) fail(`${ir.name} has no parameter ${name} for ${from}`);
        weights.set(name, data);
        sources.set(name, from);
      };
      const span = `[${gi * H}:${(gi + 1) * H}]`;
      put(`${layer.name}.W_${g}`, rows(wih.data, In), `${key('weight', 'ih')}${span}`);
      put(`${layer.name}.U_${g}`, rows(whh.data, H), `${key('weight', 'hh')}${span}`);
      if (two) {
        put(`${layer.name}.bx_${g}`, rows(bih, 1), `${key('bias', 'ih')}${span}`);
        put(`${layer.name}.bh_${g}`, rows(bhh, 1), `${key('bias', 'hh')}${span}`);
      } else {
        const b = rows(bih, 1).map((v, i) => v + bhh[gi * H + i]);
        put(`${layer.name}.b_${g}`, b, `${key('bias', 'ih')}${span} + ${key('bias', 'hh')}${span}`);
      }
    });
  });
  // The embedding (a weight without a bias) and the decoder (a weight with its bias).
  const rest = [...tensors.keys()].filter((k) => !used.has(k) && !LSTM_KEY.test(k));
  const modules = new Map<string, string[]>();
  for (const k of rest) {
    const dot = k.lastIndexOf('.');
    const mod = dot < 0 ? '' : k.slice(0, dot);
    modules.set(mod, [...(modules.get(mod) ?? []), k.slice(dot + 1)]);
  }
  const embeddings = [...modules].filter(([, ks]) => ks.join() === 'weight').map(([m]) => m);
  const linears = [...modules].filter(([, ks]) => [...ks].sort().join() === 'bias,weight').map(([m]) => m);
  const odd = [...modules].filter(([m]) => !embeddings.includes(m) && !linears.includes(m)).flatMap(([m, ks]) => ks.map((k) => (m ? `${m}.${k}` : k)));
  if (odd.length) fail(`tensors that are neither the nn.LSTM's, an embedding's (weight) nor a Linear's (weight and bias): ${odd.join(', ')}`);
  if (embeddings.length !== 1 || linears.length !== 1) fail(`expected one embedding (a module with weight only) and one Linear decoder (weight and bias) beside the nn.LSTM; found embedding(s) [${embeddings.join(', ')}] and Linear(s) [${linears.join(', ')}]`);
  const table = embeddingOf(ir) ?? fail(`${ir.name} has no embedding E[token] to receive ${embeddings[0]}.weight`);
  const top = [...want.keys()].filter((k) => !weights.has(k) && k !== table);
  const vecs = top.filter((k) => want.get(k)!.length === 1);
  const mats = top.filter((k) => want.get(k)!.length === 2);
  if (vecs.length !== 1 || mats.length > 1 || top.length !== vecs.length + mats.length) fail(`${ir.name}'s parameters besides its LSTM layers and embedding ${table} are [${top.join(', ')}]; a stock LSTM LM fills one output matrix and one output bias`);
  const emb = `${embeddings[0]}.weight`;
  const E = get(emb, want.get(table)!, `${ir.name}'s embedding ${table}`);
  weights.set(table, Float32Array.from(E.data));
  sources.set(table, emb);
  const dec = linears[0];
  if (mats.length) {
    weights.set(mats[0], Float32Array.from(get(`${dec}.weight`, want.get(mats[0])!, `${ir.name}'s output ${mats[0]}`).data));
    sources.set(mats[0], `${dec}.weight`);
  } else {
    // A tied model: the decoder's weight must be the embedding.
    const W = get(`${dec}.weight`, want.get(table)!, `the decoder of ${ir.name}, tied to ${table},`);
    if (W.data.some((v, i) => v !== E.data[i])) fail(`${ir.name} ties its output to ${table}, but ${dec}.weight differs from ${emb}`);
  }
  weights.set(vecs[0], Float32Array.from(get(`${dec}.bias`, want.get(vecs[0])!, `${ir.name}'s output bias ${vecs[0]}`).data));
  sources.set(vecs[0], `${dec}.bias`);
  return { weights, layout: 'lstm', sources };
}
