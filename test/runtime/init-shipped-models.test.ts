// The shipped models' initialisations, pinned: every param of every file under models/ (and of
// the recipes in models/recipes/) has
// the init in the table below (a change to a shipped file's init fails here until the table
// says so too), and the values the runtime draws for it have that init's statistics: the
// LSTM forget-gate biases all ones, xavier within ±√(6/(fan_in+fan_out)) and filling it,
// orthogonal recurrent matrices with UᵀU = I, normal and uniform with their spread.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { initParams } from '../../src/runtime/init.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { modelFromText } from '../autodiff/helpers.ts';

/** Per file, per cell or model, per param: its init, as `name` or `name(args)`. */
const LSTM_W = { 'W_i W_f W_o W_c': 'xavier', 'U_i U_f U_o U_c': 'orthogonal' };
const TABLE: Record<string, Record<string, Record<string, string>>> = {
  'models/cells/elman.rnn': { Elman: { W: 'xavier', U: 'orthogonal', b: 'zeros' } },
  'models/cells/gru.rnn': {
    GRU: { 'W_z W_r W_h': 'xavier', 'U_z U_r U_h': 'orthogonal', 'b_z b_r b_h': 'zeros' },
    GRUResetAfter: { 'W_r W_z W_n': 'xavier', 'U_r U_z U_n': 'orthogonal', 'b_r b_z b_n c_n': 'zeros' },
  },
  'models/cells/lstm.rnn': { LSTM: { ...LSTM_W, 'b_i b_o b_c': 'zeros', b_f: 'ones' } },
  'models/cells/lstm-peephole.rnn': { PeepholeLSTM: { ...LSTM_W, 'p_i p_f p_o': 'zeros', 'b_i b_o b_c': 'zeros', b_f: 'ones' } },
  'models/cells/lstm-zaremba.rnn': { ZarembaLSTM: { ...LSTM_W, 'bx_i bx_f bx_o bx_c': 'zeros', 'bh_i bh_o bh_c': 'zeros', bh_f: 'ones' } },
  'models/cells/lstm-weight-drop.rnn': { WeightDropLSTM: { ...LSTM_W, 'bx_i bx_f bx_o bx_c': 'zeros', 'bh_i bh_o bh_c': 'zeros', bh_f: 'ones' } },
  'models/cells/mgu.rnn': { MGU: { 'W_f W_h': 'xavier', 'U_f U_h': 'orthogonal', b_f: 'ones', b_h: 'zeros' } },
  'models/char-lstm.rnn': { CharLSTM: { E: 'normal(0.1)', V: 'xavier', b_y: 'zeros' } },
  // The Shakespeare recipes' E starts at N(0, 1): from N(0, 0.1) the loss sits ~100 steps on the unigram plateau (README, "Recipes").
  'models/recipes/shakespeare-5min.rnn': { CharLSTMDropout: { E: 'normal(1)', V: 'xavier', b_y: 'zeros' } },
  'models/recipes/shakespeare-30min.rnn': { CharLSTM512: { E: 'normal(1)', V: 'xavier', b_y: 'zeros' } },
  'models/recipes/ptb-hour.rnn': { PTBHour: { E: 'uniform(0.1)', b_y: 'zeros' } },
  'models/recipes/ptb-adaptive.rnn': {
    LightWeightDropLSTM: { ...LSTM_W, 'bx_i bx_f bx_o bx_c': 'zeros', 'bh_i bh_o bh_c': 'zeros', bh_f: 'ones' },
    PTBAdaptive: { 'E C': 'uniform(0.1)', 'b_y b_c': 'zeros' },
  },
  'models/word-lstm.rnn': { WordLSTM: { E: 'uniform(0.1)', V: 'uniform(0.1)', b_y: 'zeros' } },
  'models/word-lstm-tied.rnn': { WordLSTMTied: { E: 'uniform(0.1)', b_y: 'zeros' } },
  'models/word-awd-lstm.rnn': { WordAWDLSTM: { E: 'uniform(0.1)', b_y: 'zeros' } },
  'models/word-elman.rnn': { WordElman: { E: 'uniform(0.1)', V: 'uniform(0.1)', b_y: 'zeros' } },
  'models/word-gru.rnn': { WordGRU: { E: 'uniform(0.1)', V: 'uniform(0.1)', b_y: 'zeros' } },
  'models/window-lm.rnn': { WindowLM: { C: 'uniform(0.1)', 'H U': 'xavier', 'd W b': 'zeros' } },
  'models/char-window-lm.rnn': { CharWindowLM: { E: 'normal(0.1)', 'H V': 'xavier', 'd b': 'zeros' } },
  'models/cbow.rnn': { CBOW: { E: 'uniform(0.1)', 'V b': 'zeros' } },
  'models/skipgram.rnn': { SkipGram: { E: 'uniform(0.1)', 'V b': 'zeros' } },
};

/** The cell each model's layers use (their params are the cell's, under the layer's name). */
const LAYER_CELLS: Record<string, [string, string]> = {
  CharLSTM: ['models/cells/lstm.rnn', 'LSTM'],
  CharLSTMDropout: ['models/cells/lstm.rnn', 'LSTM'],
  CharLSTM512: ['models/cells/lstm.rnn', 'LSTM'],
  WordLSTM: ['models/cells/lstm-zaremba.rnn', 'ZarembaLSTM'],
  WordLSTMTied: ['models/cells/lstm-zaremba.rnn', 'ZarembaLSTM'],
  WordAWDLSTM: ['models/cells/lstm-weight-drop.rnn', 'WeightDropLSTM'],
  WordElman: ['models/cells/elman.rnn', 'Elman'],
  WordGRU: ['models/cells/gru.rnn', 'GRU'],
  PTBHour: ['models/cells/lstm-weight-drop.rnn', 'WeightDropLSTM'],
  PTBAdaptive: ['models/recipes/ptb-adaptive.rnn', 'LightWeightDropLSTM'],
};

const expand = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).flatMap(([names, init]) => names.split(' ').map((n) => [n, init])));
const initText = (i: { name: string; args: number[] }) => (i.args.length ? `${i.name}(${i.args.join(', ')})` : i.name);

const EMBED = 40;
const HIDDEN = 60;
const VOCAB = 30;

/** Every shipped file's models, each cell wrapped in a small language model; dims large enough for statistics. */
function shipped(): { file: string; unit: string; ir: IRModel; prefix: string }[] {
  const files = ['models', 'models/cells', 'models/recipes'].flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.rnn')).map((f) => join(d, f)));
  const out: { file: string; unit: string; ir: IRModel; prefix: string }[] = [];
  for (const file of files.sort()) {
    const vocab = file.endsWith('/ptb-adaptive.rnn') ? 6100 : VOCAB; // its adaptive softmax's cutoffs (2000, 6000) need more words
    const a = analyze(file, { dims: { vocab, embed: HIDDEN, hidden: HIDDEN } });
    if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
    for (const ir of a.models) out.push({ file, unit: ir.name, ir, prefix: '' });
    for (const cell of a.cells.filter((c) => c.file.endsWith(file))) {
      const text = `use "${file.slice('models/'.length)}"
model Wrap {
  dim vocab
  param E: [vocab, ${EMBED}]  init zeros
  param V: [vocab, ${HIDDEN}] init zeros
  param b: [vocab]      init zeros
  h = ${cell.name}(E[token], hidden = ${HIDDEN})
  loss cross_entropy(V @ h + b, next)
}`;
      out.push({ file, unit: cell.name, ir: modelFromText(text, { vocab: VOCAB }, `__init_${cell.name}`), prefix: 'h.' });
    }
  }
  return out;
}

const units = shipped();

describe('the shipped models\' inits are the table\'s', () => {
  it('the table lists every file under models/ and every cell and model in it', () => {
    expect(units.map((u) => `${u.file}:${u.unit}`).sort()).toEqual(Object.entries(TABLE).flatMap(([f, us]) => Object.keys(us).map((u) => `${f}:${u}`)).sort());
  });

  it.each(units.map((u) => [`${u.file}:${u.unit}`, u] as const))('%s', (_, u) => {
    const want = expand(TABLE[u.file][u.unit]);
    const layer = LAYER_CELLS[u.unit];
    const got: Record<string, string> = {};
    for (const p of u.ir.params) {
      if (u.prefix) {
        if (p.name.startsWith(u.prefix)) got[p.name.slice(u.prefix.length)] = initText(p.init);
      } else if (!p.name.includes('.')) got[p.name] = initText(p.init);
      else {
        // A layer's param: the init its cell's row of the table gives.
        const [layerName, param] = p.name.split('.');
        expect(layer, `${p.name}: a layer of an unlisted cell`).toBeDefined();
        expect(initText(p.init), p.name).toBe(expand(TABLE[layer[0]][layer[1]])[param]);
        expect(layerName).toMatch(/^h\d$/);
      }
    }
    expect(got).toEqual(want);
  });
});

/** The values `initParams` draws (what LanguageModel.init runs), float64, by param name. */
function initialised(ir: IRModel, seed: number): Map<string, { shape: number[]; v: Float64Array }> {
  const layout = compileModel(ir, { backward: false }).layout;
  const arena = new Float64Array(layout.totalParams);
  initParams(arena, layout.params, new Map(ir.params.map((p) => [p.name, p.init])), seed);
  return new Map(layout.params.map((s) => [s.name, { shape: s.shape, v: arena.slice(s.offset, s.offset + s.size) }]));
}

function stats(a: Float64Array) {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  for (const x of a) {
    s += x;
    s2 += x * x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), maxAbs };
}

describe('the initialised values have the statistics of the table\'s inits', () => {
  it.each(units.map((u) => [`${u.file}:${u.unit}`, u] as const))('%s', (_, u) => {
    const values = initialised(u.ir, 11);
    const table = expand(TABLE[u.file][u.unit]);
    const layer = LAYER_CELLS[u.unit];
    const layerTable = layer ? expand(TABLE[layer[0]][layer[1]]) : {};
    let checked = 0;
    for (const [name, { shape, v }] of values) {
      const short = u.prefix ? name.slice(u.prefix.length) : name;
      const init = u.prefix ? (name.startsWith(u.prefix) ? table[short] : undefined) : name.includes('.') ? layerTable[name.split('.')[1]] : table[name];
      if (init === undefined) continue; // the wrapper's own params
      checked++;
      const st = stats(v);
      const [kind, arg] = init.replace(')', '').split('(');
      const where = `${name} ${init} [${shape.join(', ')}]`;
      switch (kind) {
        case 'zeros':
        case 'ones':
          expect(v.every((x) => x === (kind === 'ones' ? 1 : 0)), where).toBe(true);
          break;
        case 'uniform':
          expect(st.maxAbs, where).toBeLessThanOrEqual(Number(arg));
          expect(st.maxAbs, where).toBeGreaterThan(0.9 * Number(arg));
          expect(st.std / (Number(arg) / Math.sqrt(3)), where).toBeCloseTo(1, 0);
          break;
        case 'normal':
          expect(Math.abs(st.mean), where).toBeLessThan(0.2 * Number(arg));
          expect(st.std / Number(arg), where).toBeCloseTo(1, 0);
          expect(Math.abs(st.std / Number(arg) - 1), where).toBeLessThan(0.1);
          break;
        case 'xavier': {
          const bound = Math.sqrt(6 / (shape[0] + shape[1]));
          expect(st.maxAbs, where).toBeLessThanOrEqual(bound);
          expect(st.maxAbs, where).toBeGreaterThan(0.95 * bound);
          expect(Math.abs(st.std / (bound / Math.sqrt(3)) - 1), where).toBeLessThan(0.1);
          break;
        }
        case 'orthogonal': {
          const [r, c] = shape;
          expect(r, where).toBeGreaterThanOrEqual(c);
          let worst = 0;
          for (let i = 0; i < c; i++)
            for (let j = 0; j < c; j++) {
              let dot = 0;
              for (let k = 0; k < r; k++) dot += v[k * c + i] * v[k * c + j];
              worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
            }
          expect(worst, `${where}: |UᵀU − I|`).toBeLessThan(1e-12);
          break;
        }
        default:
          throw new Error(`${where}: no statistics for this init`);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('params with the same init draw different values (each from its own stream)', () => {
    const values = initialised(units.find((u) => u.unit === 'LSTM')!.ir, 11);
    expect(Array.from(values.get('h.W_i')!.v)).not.toEqual(Array.from(values.get('h.W_f')!.v));
    expect(Array.from(values.get('h.U_i')!.v)).not.toEqual(Array.from(values.get('h.U_o')!.v));
  });
});
