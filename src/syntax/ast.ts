// The typed AST produced by src/syntax/parse.ts. Every node keeps its source span so that
// every later diagnostic can point at the exact text it is about.

/** Half-open character range [start, end) in the file `file`. */
export interface Span {
  file: string;
  start: number;
  end: number;
}

export interface Ident {
  name: string;
  span: Span;
}

export type DimOp = '+' | '-' | '*';

/** One size in a shape: a dim name, an integer, or `+ - *` of those (`2 * hidden`). */
export type DimTerm =
  | { kind: 'dimName'; name: string; span: Span }
  | { kind: 'dimNumber'; value: number; span: Span }
  /** `name` is the term's source text with spaces removed (`2*hidden`), for messages. */
  | { kind: 'dimArith'; op: DimOp; left: DimTerm; right: DimTerm; name: string; span: Span };

export interface ShapeExpr {
  dims: DimTerm[];
  span: Span;
}

export interface InitSpec {
  name: string;
  args: number[];
  span: Span;
}

/** `weight_drop 0.5`: the DropConnect rate of a param, and where the number is. */
export interface WeightDropSpec {
  p: number;
  span: Span;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '@';

export type Expr =
  | { kind: 'number'; value: number; span: Span }
  /** `h` (primed false) is the previous value of a state or a plain name; `h'` is the new state. */
  /** With `offset`: `token@+2`, a loss target k steps away from the current token. */
  | { kind: 'name'; name: string; primed: boolean; offset?: { value: number; span: Span }; span: Span }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: 'neg'; operand: Expr; span: Span }
  | { kind: 'transpose'; operand: Expr; span: Span }
  /** `E[token]`, or `E[token@-2]` with `offset` the signed step offset (-2: two tokens back). */
  | { kind: 'index'; target: Expr; index: Expr; offset?: { value: number; span: Span }; span: Span }
  | CallExpr;

export interface NamedArg {
  name: Ident;
  value: Expr;
  span: Span;
}

/** A builtin application (`tanh(x)`) or a layer instantiation (`LSTM(e, hidden = 256)`). */
export interface CallExpr {
  kind: 'call';
  callee: Ident;
  args: Expr[];
  named: NamedArg[];
  reverse: boolean;
  span: Span;
}

export type Stmt =
  | { kind: 'dim'; name: Ident; value: number | null; valueSpan: Span | null; span: Span }
  /** weightDrop: `weight_drop p` after the shape and init (DropConnect in training). */
  | { kind: 'param'; name: Ident; shape: ShapeExpr; init: InitSpec | null; weightDrop?: WeightDropSpec; span: Span }
  | { kind: 'let'; gate: boolean; name: Ident; expr: Expr; span: Span }
  | { kind: 'update'; state: Ident; expr: Expr; span: Span }
  | { kind: 'loss'; expr: Expr; span: Span };

export interface Port {
  name: Ident;
  shape: ShapeExpr;
  span: Span;
}

export interface CellDecl {
  kind: 'cell';
  name: Ident;
  inputs: Port[];
  states: Port[];
  body: Stmt[];
  span: Span;
}

export interface ModelDecl {
  kind: 'model';
  name: Ident;
  body: Stmt[];
  span: Span;
}

export interface UseDecl {
  kind: 'use';
  path: string;
  span: Span;
}

export type Item = UseDecl | CellDecl | ModelDecl;

export interface FileAST {
  path: string;
  items: Item[];
}
