// Shared by the autodiff tests: hand-built graphs over param nodes, and float64 central
// differences of their loss through the reference interpreter.
import { GraphBuilder } from '../../src/graph/unroll.ts';
import { interpret, mulberry32 } from '../../src/graph/interpret.ts';
import type { GNode, Graph, Op } from '../../src/graph/types.ts';
import { differentiate, type GradGraph } from '../../src/autodiff/grad.ts';
import { relativeError } from '../../src/testing/gradcheck.ts';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { readFromDisk } from '../../src/syntax/load.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { resolve } from 'node:path';

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A tiny graph under construction: every input is a named param with its values. */
export class Net {
  readonly b = new GraphBuilder();
  readonly params = new Map<string, number>();
  readonly values = new Map<string, Float64Array>();
  readonly stepLosses: number[] = [];
  readonly rnd: () => number;

  constructor(seed: number) {
    this.rnd = mulberry32(seed);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.rnd();
  }

  /** A param of `shape` whose entries are drawn by `draw` (uniform in [-1, 1) by default). */
  param(name: string, shape: number[], draw: () => number = () => this.uniform(-1, 1)): number {
    const existing = this.params.get(name);
    if (existing !== undefined) return existing; // the same name again is a shared (tied) use
    const id = this.b.add('param', [], shape, { name }, name);
    this.params.set(name, id);
    this.values.set(name, Float64Array.from({ length: size(shape) }, draw));
    return id;
  }

  op(op: Op, inputs: number[], shape: number[], attrs: GNode['attrs'] = {}, t: number | null = null): number {
    return this.b.add(op, inputs, shape, attrs, '', null, t);
  }

  shape(id: number): number[] {
    return this.b.nodes[id].shape;
  }

  /**
   * A non-trivial scalar loss of `y` (any rank ≤ 2): logits = R @ y + c (a matrix y is first
   * reduced by y @ v; a scalar y broadcasts as y * a + c), then cross-entropy against the
   * token at step t. The gradient reaching y is then Rᵀ(softmax − onehot): not a constant.
   */
  head(y: number, vocab: number, t = 0, tag = `${t}`): number {
    const s = this.shape(y);
    let logits: number;
    if (s.length === 0) {
      const a = this.param(`head${tag}.a`, [vocab]);
      logits = this.op('mul', [y, a], [vocab]);
    } else {
      let vec = y;
      if (s.length === 2) vec = this.op('matmul', [y, this.param(`head${tag}.v`, [s[1]])], [s[0]]);
      logits = this.op('matmul', [this.param(`head${tag}.R`, [vocab, this.shape(vec)[0]]), vec], [vocab]);
    }
    logits = this.op('add', [logits, this.param(`head${tag}.c`, [vocab])], [vocab]);
    const ce = this.op('cross_entropy', [logits], [], { target: 'token' }, t);
    this.stepLosses.push(ce);
    return ce;
  }

  /** The graph whose loss is the mean of the step losses (T = their count). */
  graph(): Graph {
    const loss = this.b.add('mean', [...this.stepLosses], [], {}, 'loss');
    return { nodes: this.b.nodes, T: this.stepLosses.length, params: this.params, states: [], loss, stepLosses: this.stepLosses, segments: [] };
  }
}

export interface Comparison {
  /** Worst relative error over every entry of every param. */
  worst: number;
  where: string;
  /** The analytic gradients, by param. */
  grads: Map<string, Float64Array>;
}

export function lossOf(g: Graph, values: ReadonlyMap<string, Float64Array>, tokens: readonly number[], maskSeed = 0): number {
  return interpret(g, { params: values, tokens, maskSeed })[g.objective ?? g.loss][0];
}

/** (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h: the central difference of f in entry i of x, which is left as it was. */
export function centralDifference(f: () => number, x: Float64Array, i: number, h: number): number {
  const x0 = x[i];
  x[i] = x0 + h;
  const up = f();
  x[i] = x0 - h;
  const down = f();
  x[i] = x0;
  return (up - down) / (2 * h);
}

/** Five-point central difference of the loss in one entry of one param (truncation O(h⁴)). */
export function numericGrad(g: Graph, values: Map<string, Float64Array>, name: string, i: number, tokens: readonly number[], h = 1e-3, maskSeed = 0): number {
  const v = values.get(name)!;
  const x = v[i];
  const at = (d: number): number => {
    v[i] = x + d;
    const l = lossOf(g, values, tokens, maskSeed);
    v[i] = x;
    return l;
  };
  return (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h);
}

/** Differentiates `g` and compares every gradient entry with central differences. */
export function compareWithNumeric(g: Graph, values: Map<string, Float64Array>, tokens: readonly number[], opts: { h?: number; maskSeed?: number } = {}): Comparison {
  const gg: GradGraph = differentiate(g);
  const vals = interpret(gg, { params: values, tokens, maskSeed: opts.maskSeed ?? 0 });
  let worst = 0;
  let where = '';
  const grads = new Map<string, Float64Array>();
  for (const [name] of g.params) {
    const id = gg.grads.get(name);
    if (id === undefined) throw new Error(`param ${name} reaches the loss but got no gradient`);
    const analytic = vals[id];
    grads.set(name, analytic);
    const v = values.get(name)!;
    if (analytic.length !== v.length) throw new Error(`gradient of ${name} has ${analytic.length} entries, the param ${v.length}`);
    for (let i = 0; i < v.length; i++) {
      const numeric = numericGrad(g, values, name, i, tokens, opts.h, opts.maskSeed);
      const err = relativeError(analytic[i], numeric);
      if (!(err <= worst)) {
        worst = err;
        where = `${name}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`;
      }
    }
  }
  return { worst, where, grads };
}

/** Max over entries of |a − b| / max(|a|, |b|, tiny): a strict relative comparison. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-300): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), floor);
    if (Number.isNaN(e)) return Infinity;
    if (e > worst) worst = e;
  }
  return worst;
}

/** A small Elman language model (embed 2, hidden 3) for tests that need one; compile with modelFromText. */
export const ELMAN_LM = `
use "cells/elman.rnn"
model ElmanLM {
  dim vocab
  dim embed = 2, hidden = 3
  param E: [vocab, embed]
  param V: [vocab, hidden]
  param b: [vocab]
  h = Elman(E[token], hidden = hidden)
  loss cross_entropy(V @ h + b, next)
}
`;

/**
 * The IR of a model written in a test, as if it were the file models/<name>.rnn (so it can
 * `use "cells/…"`); nothing is written to disk.
 */
export function modelFromText(text: string, dims: Record<string, number> = {}, name = '__test_model'): IRModel {
  const virtual = resolve('models', `${name}.rnn`);
  const a = analyze(virtual, { dims, readFile: (p) => (p === virtual ? text : readFromDisk(p)) });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return a.models[0];
}

/** The IR of a model file, with dims bound. */
export function modelFromFile(path: string, dims: Record<string, number> = {}): IRModel {
  const a = analyze(path, { dims });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return a.models[0];
}

/** Random params in [-1, 1) and tokens [B][N + 1] for a model, from one seed. */
export function randomData(ir: IRModel, B: number, N: number, seed: number): { params: Map<string, Float64Array>; tokens: number[][] } {
  const rnd = mulberry32(seed);
  const vocab = ir.dims.vocab ?? 1;
  const params = new Map(ir.params.map((p) => [p.name, Float64Array.from({ length: p.size as number }, () => rnd() * 2 - 1)]));
  const tokens = Array.from({ length: B }, () => Array.from({ length: N + 1 }, () => Math.floor(rnd() * vocab)));
  return { params, tokens };
}
