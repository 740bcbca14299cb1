// The elaborated IR: the boundary the compiler back end builds on. Layers are instantiated
// (their cell bodies inlined with params named `layer.param`), dims are bound, and every
// expression carries its concrete shape. Plain data: printable as text and JSON.
import type { Span } from '../syntax/ast.ts';

/** A dim: a number once bound, else the symbolic expression (e.g. "vocab"). */
export type IRDim = number | string;
export type IRShape = IRDim[];

export interface IRInit {
  name: 'xavier' | 'orthogonal' | 'uniform' | 'normal' | 'zeros' | 'ones' | 'constant';
  args: number[];
  /** True when the source gave no `init` and the default for the param's rank applies. */
  implicit?: boolean;
}

export interface IRParam {
  /** `E` for a model param, `h1.W_i` for a param of layer h1. */
  name: string;
  shape: IRShape;
  size: IRDim;
  init: IRInit;
  layer: string | null;
  /** DropConnect rate in training (`weight_drop p`): a mask over the entries, drawn once per window. */
  weightDrop?: number;
  span: Span;
}

export interface IRState {
  /** `h1.c`: state c of layer h1; its new value in a step is the statement `h1.c'`. */
  name: string;
  layer: string;
  shape: IRShape;
  span: Span;
}

export interface IRLayer {
  name: string;
  cell: string;
  reverse: boolean;
  /** Every dim of the cell, bound. */
  dims: Record<string, IRDim>;
  params: string[];
  states: string[];
  /** The layer's name where it is bound (`h1` of `h1 = LSTM(…)`): what a refusal of the name points at. */
  span: Span;
}

export type DropoutMode = 'locked' | 'rows';

export type UnaryOp = 'neg' | 'sigmoid' | 'tanh' | 'relu' | 'exp' | 'log' | 'softplus' | 'transpose';
export type BinaryOp = 'matmul' | 'add' | 'sub' | 'mul' | 'div';

interface Node {
  shape: IRShape;
  span: Span;
}

export type IRExpr =
  | (Node & { op: 'param'; name: string })
  /** The previous value of a state (at t-1, or t+1 in a reversed layer). */
  | (Node & { op: 'state'; name: string })
  /** A value computed by an earlier statement of the same step. */
  | (Node & { op: 'ref'; name: string })
  | (Node & { op: 'const'; value: number })
  | (Node & { op: BinaryOp; args: [IRExpr, IRExpr] })
  | (Node & { op: UnaryOp; args: [IRExpr] })
  | (Node & { op: 'leaky_relu'; args: [IRExpr]; slope: number })
  /** mode: absent, a fresh mask per step; 'locked', one per stream and window; 'rows', rows of the looked-up table per window. */
  | (Node & { op: 'dropout'; args: [IRExpr]; p: number; mode?: DropoutMode })
  | (Node & { op: 'concat'; args: IRExpr[] })
  /** Row `token` of an embedding table; with `offset` k, the token k steps away (k < 0: the past). */
  | (Node & { op: 'gather'; table: string; index: 'token'; offset?: number })
  /** With `offsets` (target 'token'): the tokens at those offsets from the current one, the loss the mean of their cross-entropies (skip-gram). */
  | (Node & { op: 'cross_entropy'; args: [IRExpr]; target: 'next' | 'token'; offsets?: number[] })
  /** The adaptive softmax's loss (graph/adaptive.ts): args are the word logits `W @ h (+ b)` and the cluster logits. */
  | (Node & { op: 'adaptive_cross_entropy'; args: [IRExpr, IRExpr]; target: 'next'; cutoffs: number[] })
  /** Training penalty α · mean(h²) (activation regularisation). */
  | (Node & { op: 'ar'; args: [IRExpr]; weight: number })
  /** Training penalty β · mean((h − h_prev)²): args are the layer's output and its first state (its previous value). */
  | (Node & { op: 'tar'; args: [IRExpr, IRExpr]; weight: number });

export type IRStmtKind = 'let' | 'gate' | 'input' | 'update' | 'output' | 'loss' | 'penalty';

export interface IRStmt {
  /** `e`, `h1.i`, `h1.c'` (a new state), `h1` (a layer's output), `loss`. */
  name: string;
  kind: IRStmtKind;
  layer: string | null;
  expr: IRExpr;
  span: Span;
}

export interface IRModel {
  name: string;
  file: string;
  dims: Record<string, number | null>;
  params: IRParam[];
  totalParams: IRDim;
  layers: IRLayer[];
  states: IRState[];
  /** One time step, in evaluation order. */
  step: IRStmt[];
}
