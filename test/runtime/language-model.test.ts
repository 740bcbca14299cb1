// The library's LanguageModel (src/runtime/model.ts) as a user of `compile` meets it: which
// files compile and what the refusals say, weights in and out, one-step probabilities, and
// sampling checked against its definition (greedy = the argmax of step() fed back in).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, CompileError, LanguageModel, WeightsError, loadIR, type StepResult } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { Vocab } from '../../src/runtime/data/vocab.ts';
import { argmax } from '../../src/runtime/sample.ts';
import { StreamEvaluator } from '../../src/runtime/evaluate.ts';
import { readSafetensors } from '../../src/runtime/safetensors.ts';

const FILE = 'test/runtime/models/tiny-dropout.rnn';
const TEXT = 'the cat sat on the mat.\nthe dog sat on the log.\n'.repeat(4);
const vocab = buildCharVocab(TEXT);
const V = vocab.size;
const model = compile(FILE, { vocab }).init(3);
const dir = mkdtempSync(join(tmpdir(), 'rnnc-lm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A model with no recurrence, written twice under two names (for the several-models refusal).
const bigram = (name: string, dims = 'dim vocab\n  dim hidden = 4') => `model ${name} {\n  ${dims}\n  param E: [vocab, hidden] init normal(0.5)\n  param V: [vocab, hidden] init xavier\n  param b: [vocab] init zeros\n  loss cross_entropy(V @ E[token] + b, next)\n}\n`;

describe('compile: what compiles and what the refusals say', () => {
  it('compiles from the sources a checkpoint keeps, without the disk; a file missing from them is a CompileError', () => {
    const again = compile(FILE, { vocab, sources: model.sources });
    expect(again.paramCount).toBe(model.paramCount);
    const onlyModel = Object.fromEntries(Object.entries(model.sources).filter(([p]) => p.endsWith('tiny-dropout.rnn')));
    expect(Object.keys(onlyModel)).toHaveLength(1);
    expect(() => compile(FILE, { vocab, sources: onlyModel })).toThrow(CompileError);
    expect(() => compile(FILE, { vocab, sources: onlyModel })).toThrow(/lstm\.rnn/);
  });

  it('a file with errors: every diagnostic with file:line:col', () => {
    const src = { 'bad.rnn': 'model Bad {\n  dim vocab\n  param E: [vocab, 4] init zeros\n  loss cross_entropy(E @ nope, next)\n}\n' };
    expect(() => compile('bad.rnn', { sources: src, dims: { vocab: 5 } })).toThrow(CompileError);
    expect(() => compile('bad.rnn', { sources: src, dims: { vocab: 5 } })).toThrow(/bad\.rnn:4:\d+/);
  });

  it('a file of cells only, several models, a model that is not there', () => {
    expect(() => compile('models/cells/lstm.rnn', { dims: { vocab: 5 } })).toThrow('models/cells/lstm.rnn defines no model (only cells: LSTM)');
    const two = { 'two.rnn': bigram('First') + bigram('Second') };
    expect(() => compile('two.rnn', { sources: two, dims: { vocab: 5 } })).toThrow('two.rnn defines several models (First, Second); choose one with the model option');
    expect(() => compile('two.rnn', { sources: two, dims: { vocab: 5 }, model: 'Third' })).toThrow('two.rnn has no model Third (it has First, Second)');
    expect(compile('two.rnn', { sources: two, dims: { vocab: 5 }, model: 'Second' }).name).toBe('Second');
    expect(compile('two.rnn', { sources: two, dims: { vocab: 5 }, model: 'First' }).name).toBe('First');
  });

  it('dims left unbound are named, with the hint for vocab', () => {
    expect(() => compile(FILE)).toThrow('model TinyDropout leaves dim vocab unbound; give vocab=N in dims (vocab is bound from the data when you train, or from a vocabulary)');
    const open = { 'open.rnn': bigram('Open', 'dim vocab\n  dim hidden') };
    expect(() => loadIR('open.rnn', { sources: open })).toThrow('model Open leaves dims vocab, hidden unbound; give vocab=N, hidden=N in dims (vocab');
    expect(() => loadIR('open.rnn', { sources: open, dims: { vocab: 5 } })).toThrow(/^model Open leaves dim hidden unbound; give hidden=N in dims$/);
  });

  it('a vocabulary of another size than the model predicts is refused', () => {
    const { ir, sources } = loadIR(FILE, { dims: { vocab: V + 1 } });
    expect(() => new LanguageModel(ir, { file: FILE, sources, vocab })).toThrow(new WeightsError(`the vocabulary has ${V} tokens but model TinyDropout predicts ${V + 1}`));
  });

  it('name and paramCount (E, V, b and the LSTM\'s 4 input, 4 recurrent matrices and 4 biases)', () => {
    expect(model.name).toBe('TinyDropout');
    expect(model.paramCount).toBe(V * 8 + V * 16 + V + 4 * 16 * 8 + 4 * 16 * 16 + 4 * 16);
  });

  it('training code draws dropout (the seed changes the loss); inference code does not', () => {
    const tokens = vocab.encode(TEXT.slice(0, 2 * 9)); // [B = 2, T + 1 = 9]
    const m = compile(FILE, { vocab }).init(3);
    const train = m.training.instantiate({ Float: Float32Array, B: 2, T: 8, params: m.params, grads: m.grads });
    const losses = [1, 2].map((seed) => (train.resetStates(), train.run(tokens, { seed, carry: false })));
    const infer = m.inference.instantiate({ Float: Float32Array, B: 2, T: 8, params: m.params, grads: null });
    const plain = [1, 2].map((seed) => (infer.resetStates(), infer.run(tokens, { seed, carry: false })));
    expect(losses[0]).not.toBeCloseTo(losses[1], 4);
    expect(plain[0]).toBe(plain[1]);
  });
});

describe('weights in and out', () => {
  const shapes = new Map(model.weightTensors().map(([k, t]) => [k, t]));

  it('every problem of a map in one WeightsError: missing, wrong shape, wrong length, unknown (with a suggestion)', () => {
    const m = compile(FILE, { vocab });
    const given = new Map<string, unknown>(shapes);
    given.delete('E');
    given.set('V', { dtype: 'F32', shape: [16, V], data: new Float32Array(16 * V) });
    given.set('b', new Float32Array(V + 1));
    given.set('h.b_ff', new Float32Array(3));
    let msg = '';
    try {
      m.loadWeights(given as Map<string, Float32Array>);
    } catch (e) {
      expect(e).toBeInstanceOf(WeightsError);
      msg = (e as Error).message;
    }
    expect(msg).toBe(
      [
        'weights does not match model TinyDropout:',
        `  no tensor 'E' (shape [${V}, 8])`,
        `  tensor 'V' has shape [16, ${V}], the model needs [${V}, 16]`,
        `  tensor 'b' has ${V + 1} values, the model needs ${V}`,
        `  tensor 'h.b_ff' is not a param of TinyDropout (did you mean 'h.b_f'?)`,
      ].join('\n'),
    );
    for (const k of ['E', 'V', 'b']) expect(m.weights().get(k)!.every((v) => v === 0)).toBe(true); // none of the refused tensors was copied in
  });

  it('a value that is neither an array nor a tensor (data without shape, a number) is named as such', () => {
    const m = compile(FILE, { vocab });
    const given = new Map<string, unknown>(shapes);
    given.set('b', { data: new Float32Array(V) });
    given.set('E', 3);
    expect(() => m.loadWeights(given as Map<string, Float32Array>)).toThrow(
      new WeightsError(
        [
          'weights does not match model TinyDropout:',
          `  tensor 'E' is neither an array of numbers nor a { shape, data } tensor`,
          `  tensor 'b' is neither an array of numbers nor a { shape, data } tensor`,
        ].join('\n'),
      ),
    );
  });

  it('a safetensors file round-trips; a file that does not fit is named in the error', () => {
    const path = join(dir, 'w.safetensors');
    model.saveWeights(path);
    const m = compile(FILE, { vocab }).loadWeights(path);
    expect(Array.from(m.params)).toEqual(Array.from(model.params));
    model.saveWeights(join(dir, 'meta.safetensors'), { note: 'x' });
    expect(readSafetensors(join(dir, 'meta.safetensors')).metadata).toEqual({ model: 'TinyDropout', note: 'x' });
    expect(readSafetensors(path).metadata).toEqual({ model: 'TinyDropout' });
    const other = compile('models/char-lstm.rnn', { vocab });
    expect(() => other.loadWeights(path)).toThrow(`${path} does not match model`);
  });

  it('plain arrays load by name; a NaN names the tensor and index', () => {
    const m = compile(FILE, { vocab }).loadWeights(new Map([...shapes].map(([k, t]) => [k, Array.from(t.data)])));
    expect(Array.from(m.params)).toEqual(Array.from(model.params));
    const bad = new Map([...shapes].map(([k, t]) => [k, Array.from(t.data)]));
    bad.get('b')![2] = NaN;
    expect(() => compile(FILE, { vocab }).loadWeights(bad)).toThrow("weights: tensor 'b' holds NaN at index 2, so the weights are unusable (from a diverged run?)");
  });

  it('nonFiniteParam finds a NaN at index 0', () => {
    const m = compile(FILE, { vocab }).init(1);
    expect(m.nonFiniteParam()).toBeNull();
    const b = m.layout.params.find((p) => p.name === 'b')!;
    m.params[b.offset] = Infinity;
    expect(m.nonFiniteParam()).toEqual({ name: 'b', index: 0, value: Infinity });
  });
});

describe('text in: encode, evaluate, train', () => {
  const bare = compile(FILE, { dims: { vocab: V } }).init(3);

  it('a model without a vocabulary takes ids and refuses text, saying so', () => {
    expect(() => bare.encode('the')).toThrow('model TinyDropout has no vocabulary: pass token ids, or compile it with a vocab');
    expect(() => bare.evaluate('the cat')).toThrow('has no vocabulary');
    expect(bare.evaluate(vocab.encode(TEXT)).loss).toBe(model.evaluate(TEXT).loss);
  });

  it('train() takes text through the vocabulary and trains as on its ids', async () => {
    const a = compile(FILE, { vocab }).init(5);
    const b = compile(FILE, { vocab }).init(5);
    const opts = { steps: 3, batch: 2, bptt: 8, seed: 1 };
    await a.train({ train: TEXT, valid: TEXT.slice(0, 60) }, opts);
    await b.train({ train: vocab.encode(TEXT), valid: vocab.encode(TEXT.slice(0, 60)) }, opts);
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    await expect(bare.train({ train: 'the cat' }, opts)).rejects.toThrow('has no vocabulary');
    await expect(bare.train({ train: vocab.encode(TEXT), valid: 'the cat' }, opts)).rejects.toThrow('has no vocabulary');
  });

  it('an adaptive softmax is scored by its own loss-only code; its loss is the one the dense inference code gives', () => {
    const words = new Vocab('word', ['<eos>', '<unk>', 'a', 'b', 'c', 'd', 'e']);
    const m = compile('test/codegen/models/adaptive.rnn', { vocab: words }).init(4);
    expect(m.scoring).not.toBe(m.inference);
    expect(m.scoring).toBe(m.scoring);
    const text = 'a b c\nd e a\nb b c d\n';
    const dense = new StreamEvaluator(m.inference, m.params, Float32Array, 1, 8).evaluate(words.encode(text));
    expect(m.evaluate(text, { window: 8 }).loss).toBeCloseTo(dense.loss, 5);
  });

  it('the text each call reads is named in its errors', () => {
    expect(() => model.encode('thZ')).toThrow('text:1:3: character');
    expect(() => model.evaluate('thZ')).toThrow('evaluation text:1:3: character');
    expect(() => model.sample({ prompt: 'Zt' })).toThrow('prompt:1:1: character');
  });

  it('train() names the training and the validation text in its errors', async () => {
    const m = compile(FILE, { vocab }).init(5);
    await expect(m.train({ train: `${TEXT}Z` }, { steps: 1, batch: 2, bptt: 8 })).rejects.toThrow(/^training text:\d+:\d+: character 'Z'/);
    await expect(m.train({ train: TEXT, valid: 'tZ' }, { steps: 1, batch: 2, bptt: 8 })).rejects.toThrow(/^validation text:1:2: character 'Z'/);
  });

  it('evaluate keeps one evaluator per batch and window: a second call compiles and instantiates nothing', () => {
    const m = compile(FILE, { vocab }).init(2);
    const code = m.scoring;
    expect(code).toBe(m.inference); // no adaptive softmax: evaluation runs the inference code
    let made = 0;
    const make = code.instantiate;
    code.instantiate = (c) => (made++, make(c));
    const first = m.evaluate(TEXT, { batch: 2, window: 16 });
    const after = made;
    expect(m.evaluate(TEXT, { batch: 2, window: 16 })).toEqual(first);
    expect(made).toBe(after);
  });
});

describe('step', () => {
  it('probs = softmax(logits) in float64 even for logits near 400; the state passed in is left as it was', () => {
    const m = compile(FILE, { vocab }).init(4);
    const b = m.weights().get('b')!;
    for (let i = 0; i < b.length; i++) b[i] = 400 + i / 10;
    const s0 = m.initialState();
    const one = m.step(3, s0);
    expect(s0.every((s) => s.every((v) => v === 0))).toBe(true);
    const max = Math.max(...one.logits);
    const z = Array.from(one.logits, (l) => Math.exp(l - max));
    const sum = z.reduce((a, x) => a + x, 0);
    one.probs.forEach((p, i) => expect(p).toBeCloseTo(z[i] / sum, 12));
    const kept = Array.from(one.logits);
    m.step(5, one.state);
    expect(Array.from(one.logits)).toEqual(kept); // a copy, not the runner's live view
  });
});

describe('sample against its definition', () => {
  /** Greedy decoding written out with step(): prime with the prompt, then feed back the argmax. */
  function greedy(m: LanguageModel, prompt: number[], length: number, stopAt = -1): number[] {
    let r: StepResult = { probs: new Float64Array(0), logits: new Float32Array(0), state: m.initialState() };
    for (const t of prompt) r = m.step(t, r.state);
    const ids: number[] = [];
    for (let i = 0; i < length; i++) {
      const id = argmax(r.logits);
      ids.push(id);
      if (id === stopAt) break;
      r = m.step(id, r.state);
    }
    return ids;
  }

  it('greedy: the prompt primes the state, each token is fed back', () => {
    const p = vocab.encode('the ca');
    expect(model.sample({ prompt: 'the ca', length: 12, greedy: true }).ids).toEqual(greedy(model, Array.from(p), 12));
    expect(model.sample({ prompt: Array.from(p), length: 12, greedy: true }).ids).toEqual(greedy(model, Array.from(p), 12));
    expect(model.sample({ prompt: 'the ca', length: 12, greedy: true }).text).toBe(vocab.decode(greedy(model, Array.from(p), 12)));
  });

  it('without a prompt it starts from the newline (char vocabulary), else from id 0; an empty prompt is no prompt', () => {
    const tabbed = buildCharVocab(`\t${TEXT}`); // the tab sorts before the newline: newline is not id 0
    const nl = tabbed.index('\n');
    expect(nl).toBe(1);
    const t = compile(FILE, { vocab: tabbed }).init(8);
    expect(t.sample({ length: 8, greedy: true }).ids).toEqual(greedy(t, [nl], 8));
    expect(t.sample({ prompt: '', length: 8, greedy: true }).ids).toEqual(greedy(t, [nl], 8));
    expect(greedy(t, [nl], 8)).not.toEqual(greedy(t, [0], 8));
    const noNewline = buildCharVocab('abcdefg');
    const m = compile(FILE, { vocab: noNewline }).init(6);
    expect(m.sample({ length: 8, greedy: true }).ids).toEqual(greedy(m, [0], 8));
    const bare = compile(FILE, { dims: { vocab: V } }).init(3);
    expect(bare.sample({ length: 8, greedy: true })).toEqual({ ids: greedy(bare, [0], 8), text: null });
    expect(bare.sample({ length: 8, greedy: true, untilEos: true }).ids).toEqual(greedy(bare, [0], 8)); // no vocabulary, no <eos>
  });

  it('word models start from <eos> and, with untilEos, stop after generating it', () => {
    const words = new Vocab('word', ['<unk>', 'a', 'b', '<eos>', 'c']);
    const m = compile(FILE, { vocab: words }).init(7, { name: 'normal', args: [1] }); // large weights: the start token shows in the output
    expect(m.sample({ length: 6, greedy: true }).ids).toEqual(greedy(m, [words.eos], 6));
    expect(greedy(m, [words.eos], 6)).not.toEqual(greedy(m, [0], 6)); // so the start is observable
    const b = m.weights().get('b')!;
    b[words.eos] = 50; // <eos> is now every step's argmax
    expect(m.sample({ length: 4, greedy: true }).ids).toEqual([3, 3, 3, 3]);
    expect(m.sample({ length: 4, greedy: true, untilEos: true }).ids).toEqual([3]);
  });

  it('length 0 gives nothing; a bad length or a prompt token outside the vocabulary is refused', () => {
    expect(model.sample({ length: 0 }).ids).toEqual([]);
    for (const length of [-1, 1.5, NaN]) expect(() => model.sample({ length })).toThrow(`length must be a non-negative integer (got ${length})`);
    for (const t of [V, -1, 0.5]) expect(() => model.sample({ prompt: [1, t] })).toThrow(`prompt token ${t} is outside the vocabulary [0, ${V})`);
    expect(model.sample({ prompt: [V - 1], length: 2, greedy: true }).ids).toEqual(greedy(model, [V - 1], 2));
  });

  it('drawn samples follow the seed', () => {
    const a = model.sample({ length: 30, seed: 9 }).ids;
    expect(model.sample({ length: 30, seed: 9 }).ids).toEqual(a);
    expect(model.sample({ length: 30, seed: 10 }).ids).not.toEqual(a);
  });
});
