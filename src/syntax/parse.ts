// Ohm match + semantics: source text → typed AST (src/syntax/ast.ts), or one syntax
// diagnostic at the furthest point the parser reached.
import type * as ohm from 'ohm-js';
import type { BinaryOp, CallExpr, DimOp, DimTerm, Expr, FileAST, Ident, InitSpec, Item, NamedArg, WeightDropSpec, Port, ShapeExpr, Span, Stmt } from './ast.ts';
import { error, type Diagnostic } from '../util/diagnostic.ts';
import { compileGrammar, grammarSource } from '../util/grammar-recipe.ts';
import { bracketTooDeep, exprTooDeep, MAX_BRACKET_DEPTH, MAX_EXPR_DEPTH } from './limits.ts';

let cached: { grammar: ohm.Grammar; semantics: ohm.Semantics } | null = null;

// The grammar is compiled once per process: it is the only slow part of parsing.
function language(): { grammar: ohm.Grammar; semantics: ohm.Semantics } {
  if (cached) return cached;
  const grammar = compileGrammar(grammarSource());
  const semantics = grammar.createSemantics();
  addAstOperation(semantics);
  cached = { grammar, semantics };
  return cached;
}

// The semantics action currently running needs the file path for its spans.
let currentFile = '';

function span(node: ohm.Node): Span {
  return { file: currentFile, start: node.source.startIdx, end: node.source.endIdx };
}

function spanOf(first: ohm.Node, last: ohm.Node): Span {
  return { file: currentFile, start: first.source.startIdx, end: last.source.endIdx };
}

type N = ohm.Node;

/** `a - b + c` → ((a - b) + c): a chain folded to the left without recursion. */
function foldBinary(first: N, ops: BinaryOp[], rest: N[]): Expr {
  let e: Expr = first.ast();
  rest.forEach((r, i) => {
    const right: Expr = r.ast();
    e = { kind: 'binary', op: ops[i], left: e, right, span: { file: currentFile, start: e.span.start, end: right.span.end } };
  });
  return e;
}

function foldDims(first: N, ops: DimOp[], rest: N[]): DimTerm {
  let t: DimTerm = first.ast();
  rest.forEach((r, i) => {
    const right: DimTerm = r.ast();
    t = { kind: 'dimArith', op: ops[i], left: t, right, name: dimText(ops[i], t, right), span: { file: currentFile, start: t.span.start, end: right.span.end } };
  });
  return t;
}

/** `2*hidden`, `in+hidden`, `2*(a+b)`: a dim term's text without spaces or comments. */
function dimText(op: DimOp, left: DimTerm, right: DimTerm): string {
  const text = (t: DimTerm): string => (t.kind === 'dimNumber' ? String(t.value) : t.name);
  const sum = (t: DimTerm): boolean => t.kind === 'dimArith' && t.op !== '*';
  const l = op === '*' && sum(left) ? `(${text(left)})` : text(left);
  const r = op !== '+' && sum(right) ? `(${text(right)})` : text(right);
  return `${l}${op}${r}`;
}

function addAstOperation(s: ohm.Semantics): void {
  const list = (n: N): any[] => n.asIteration().children.map((c: N) => c.ast());
  s.addOperation<any>('ast', {
    File(items) {
      return items.children.map((c: N) => c.ast());
    },
    Use(_use, str): Item {
      return { kind: 'use', path: str.ast(), span: span(this) };
    },
    Cell(_cell, name, _lp, inputs, _rp, _arrow, ports, _lb, body, _rb): Item {
      return {
        kind: 'cell',
        name: name.ast(),
        inputs: list(inputs) as Port[],
        states: ports.ast() as Port[],
        body: body.children.map((c: N) => c.ast()).flat() as Stmt[],
        span: span(this),
      };
    },
    Ports_list(_lp, ports, _rp) {
      return list(ports);
    },
    Ports_single(port) {
      return [port.ast()];
    },
    Port(name, _colon, shape): Port {
      return { name: name.ast(), shape: shape.ast(), span: span(this) };
    },
    Model(_model, name, _lb, body, _rb): Item {
      return { kind: 'model', name: name.ast(), body: body.children.map((c: N) => c.ast()).flat() as Stmt[], span: span(this) };
    },
    DimDecl(_dim, items) {
      return list(items);
    },
    DimItem(name, _eq, value): Stmt {
      const v = value.children[0];
      return {
        kind: 'dim',
        name: name.ast(),
        value: v ? Number(v.sourceString) : null,
        valueSpan: v ? span(v) : null,
        span: span(this),
      };
    },
    ParamDecl(_param, groups) {
      return list(groups).flat();
    },
    ParamGroup(names, _colon, shape, init, drop): Stmt[] {
      const sh: ShapeExpr = shape.ast();
      const spec: InitSpec | null = init.children[0] ? init.children[0].ast() : null;
      const wd: WeightDropSpec | null = drop.children[0] ? drop.children[0].ast() : null;
      return (list(names) as Ident[]).map((name) => ({ kind: 'param', name, shape: sh, init: spec, ...(wd ? { weightDrop: wd } : {}), span: span(this) }));
    },
    WeightDrop(_kw, p): WeightDropSpec {
      return { p: Number(p.sourceString), span: span(p) };
    },
    InitSpec(_init, name, args): InitSpec {
      const a = args.children[0];
      return { name: name.sourceString, args: a ? a.ast() : [], span: spanOf(name, this) };
    },
    InitArgs(_lp, nums, _rp) {
      return list(nums);
    },
    SignedNumber(minus, num) {
      const v = Number(num.sourceString);
      return minus.children.length ? -v : v;
    },
    Shape(_lb, dims, _rb): ShapeExpr {
      return { dims: list(dims) as DimTerm[], span: span(this) };
    },
    DimExpr(first, ops, rest): DimTerm {
      return foldDims(first, ops.children.map((o: N) => o.sourceString as DimOp), rest.children);
    },
    DimProduct(first, _ops, rest): DimTerm {
      return foldDims(first, rest.children.map(() => '*' as const), rest.children);
    },
    // Like expressions, a parenthesised dim keeps the brackets in its span.
    DimAtom_paren(_lp, e, _rp): DimTerm {
      return { ...e.ast(), span: span(this) };
    },
    DimAtom_int(n): DimTerm {
      return { kind: 'dimNumber', value: Number(n.sourceString), span: span(this) };
    },
    DimAtom_name(id): DimTerm {
      return { kind: 'dimName', name: id.sourceString, span: span(this) };
    },
    GateStmt(_gate, name, _eq, expr): Stmt {
      return { kind: 'let', gate: true, name: name.ast(), expr: expr.ast(), span: span(this) };
    },
    LossStmt(_loss, expr): Stmt {
      return { kind: 'loss', expr: expr.ast(), span: span(this) };
    },
    UpdateStmt(primed, _eq, expr): Stmt {
      const id: Ident = { name: primed.sourceString.slice(0, -1), span: span(primed) };
      return { kind: 'update', state: id, expr: expr.ast(), span: span(this) };
    },
    LetStmt(name, _eq, expr): Stmt {
      return { kind: 'let', gate: false, name: name.ast(), expr: expr.ast(), span: span(this) };
    },
    AddExpr(first, ops, rest): Expr {
      return foldBinary(first, ops.children.map((o: N) => o.sourceString as BinaryOp), rest.children);
    },
    MulExpr(first, ops, rest): Expr {
      return foldBinary(first, ops.children.map((o: N) => o.sourceString as BinaryOp), rest.children);
    },
    MatExpr(first, _ops, rest): Expr {
      return foldBinary(first, rest.children.map(() => '@' as const), rest.children);
    },
    // `- - x`: the innermost minus applies first; each neg spans from its own minus.
    UnaryExpr_neg(first, more, operand): Expr {
      const minuses = [first, ...more.children];
      let e: Expr = operand.ast();
      for (let i = minuses.length - 1; i >= 0; i--) e = { kind: 'neg', operand: e, span: spanOf(minuses[i], operand) };
      return e;
    },
    PostfixExpr(primary, ops): Expr {
      let e: Expr = primary.ast();
      for (const op of ops.children) {
        const end = op.source.endIdx;
        const sp: Span = { file: currentFile, start: e.span.start, end };
        const inner = op.children[0];
        if (inner.ctorName === 'PostfixOp_offset') {
          const id = inner.children[1];
          const off = inner.children[3];
          const index: Expr = { kind: 'name', name: id.sourceString, primed: false, span: span(id) };
          e = { kind: 'index', target: e, index, offset: { value: Number(off.sourceString.replace(/\s+/g, '')), span: span(off) }, span: sp };
          continue;
        }
        e = inner.ctorName === 'PostfixOp_transpose'
          ? { kind: 'transpose', operand: e, span: sp }
          : { kind: 'index', target: e, index: inner.children[1].ast(), span: sp };
      }
      return e;
    },
    // Parentheses keep the span of the inner expression plus the brackets, for carets.
    Primary_paren(_lp, e, _rp): Expr {
      return { ...e.ast(), span: span(this) };
    },
    Primary_reverse(_rev, call): Expr {
      const c: CallExpr = call.ast();
      return { ...c, reverse: true, span: span(this) };
    },
    Primary_number(n): Expr {
      return { kind: 'number', value: Number(n.sourceString), span: span(this) };
    },
    Primary_primed(p): Expr {
      return { kind: 'name', name: p.sourceString.slice(0, -1), primed: true, span: span(this) };
    },
    Primary_offset(id, _at, off): Expr {
      return { kind: 'name', name: id.sourceString, primed: false, offset: { value: Number(off.sourceString.replace(/\s+/g, '')), span: span(off) }, span: span(this) };
    },
    Primary_name(id): Expr {
      return { kind: 'name', name: id.sourceString, primed: false, span: span(this) };
    },
    Call(callee, _lp, args, _rp): CallExpr {
      const all = args.asIteration().children.map((c: N) => c.ast()) as ({ named: NamedArg } | { positional: Expr })[];
      const positional: Expr[] = [];
      const named: NamedArg[] = [];
      for (const a of all) {
        if ('named' in a) named.push(a.named);
        else positional.push(a.positional);
      }
      return { kind: 'call', callee: callee.ast(), args: positional, named, reverse: false, span: span(this) };
    },
    Arg_named(name, _eq, value) {
      return { named: { name: name.ast(), value: value.ast(), span: span(this) } };
    },
    Arg_positional(e) {
      return { positional: e.ast() };
    },
    ident(_start, _rest): Ident {
      return { name: this.sourceString, span: span(this) };
    },
    string(_open, chars, _close) {
      return chars.sourceString;
    },
  });
}

export interface ParseResult {
  ast: FileAST | null;
  diagnostics: Diagnostic[];
}

/** Parses one file's text; a syntax error yields `ast: null` and one diagnostic. */
export function parse(path: string, text: string): ParseResult {
  const refuse = (start: number, end: number, message: string, hint?: string): ParseResult => ({
    ast: null,
    diagnostics: [error('limit', { file: path, start, end }, message, hint)],
  });
  // Ohm matches brackets by recursion: refuse a depth it could not take before it starts.
  const deepBracket = bracketTooDeep(text);
  if (deepBracket !== null) {
    return refuse(deepBracket, deepBracket + 1, `brackets nest more than ${MAX_BRACKET_DEPTH} levels deep`, 'name the inner parts with bindings (name = …)');
  }
  const { grammar, semantics } = language();
  let match: ohm.MatchResult;
  try {
    match = grammar.match(text);
  } catch (e) {
    // Called with most of the stack already used, the matcher may still run out of it.
    if (!(e instanceof RangeError)) throw e;
    return refuse(0, 0, 'the file nests too deeply to parse here', 'name the inner parts with bindings (name = …)');
  }
  if (match.failed()) {
    const pos = match.getRightmostFailurePosition();
    const found = describeFound(text, pos);
    const expected = match.getExpectedText();
    return {
      ast: null,
      diagnostics: [error('syntax', { file: path, start: pos, end: pos + foundLength(text, pos) }, `syntax error: expected ${expected}, found ${found}`)],
    };
  }
  currentFile = path;
  const items = semantics(match).ast() as Item[];
  const deep = exprTooDeep(items);
  if (deep) {
    return refuse(deep.span.start, deep.span.end, `this expression nests ${deep.depth} levels deep; the limit is ${MAX_EXPR_DEPTH}`, 'split it into several bindings (name = …)');
  }
  return { ast: { path, items }, diagnostics: [] };
}

/**
 * What parse() computes with: the grammar text, the code of this file's functions and the
 * limits. A cached parse (parse-cache.ts) is used only under the same fingerprint, so an edit
 * to the grammar or to the AST-building code never serves a stale tree.
 */
export function parserFingerprint(): string {
  const code = [parse, addAstOperation, foldBinary, foldDims, dimText, span, spanOf, foundLength, describeFound, bracketTooDeep, exprTooDeep, error].map(String);
  return [grammarSource(), ...code, MAX_BRACKET_DEPTH, MAX_EXPR_DEPTH].join('\0');
}

function foundLength(text: string, pos: number): number {
  if (pos >= text.length) return 0;
  const m = /^[A-Za-z_0-9]+/.exec(text.slice(pos));
  return m ? m[0].length : 1;
}

function describeFound(text: string, pos: number): string {
  if (pos >= text.length) return 'end of file';
  const ch = text[pos];
  if (ch === '\n' || ch === '\r') return 'end of line';
  const word = text.slice(pos, pos + foundLength(text, pos));
  return JSON.stringify(word);
}
