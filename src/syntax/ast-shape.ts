// Checks that a value read back from the parse cache (parse-cache.ts) is a parse result of the
// given file: every node of the shape src/syntax/ast.ts declares, every span inside that file's
// text, every name equal to the text it spans. Anything else is treated as a corrupt entry.
import type { ParseResult } from './parse.ts';

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown): x is number => Number.isSafeInteger(x);
const every = (x: unknown, ok: (e: unknown) => boolean): boolean => Array.isArray(x) && x.every(ok);

const BINARY_OPS = new Set(['+', '-', '*', '/', '@']);
const DIM_OPS = new Set(['+', '-', '*']);

/** A validator bound to one file: its path and its text. */
function shapes(path: string, text: string) {
  const span = (x: unknown): boolean =>
    isObj(x) && x.file === path && isInt(x.start) && isInt(x.end) && 0 <= x.start && x.start <= x.end && x.end <= text.length;
  const spanned = (x: unknown): x is Obj => isObj(x) && span(x.span);
  const spanText = (x: Obj): string => text.slice((x.span as { start: number }).start, (x.span as { end: number }).end);
  const ident = (x: unknown): boolean => spanned(x) && isStr(x.name) && spanText(x) === x.name;
  // An updated state is named by `h'`: its span holds the prime.
  const primed = (x: unknown): boolean => spanned(x) && isStr(x.name) && spanText(x) === `${x.name}'`;

  const dimTerm = (x: unknown): boolean => {
    if (!spanned(x)) return false;
    switch (x.kind) {
      case 'dimName':
        return isStr(x.name);
      case 'dimNumber':
        return isNum(x.value);
      case 'dimArith':
        return isStr(x.op) && DIM_OPS.has(x.op) && isStr(x.name) && dimTerm(x.left) && dimTerm(x.right);
      default:
        return false;
    }
  };
  const shape = (x: unknown): boolean => spanned(x) && every(x.dims, dimTerm);
  const init = (x: unknown): boolean => spanned(x) && isStr(x.name) && every(x.args, isNum);

  const call = (x: Obj): boolean =>
    ident(x.callee) &&
    every(x.args, expr) &&
    every(x.named, (a) => spanned(a) && ident(a.name) && expr(a.value)) &&
    typeof x.reverse === 'boolean';
  function expr(x: unknown): boolean {
    if (!spanned(x)) return false;
    switch (x.kind) {
      case 'number':
        return isNum(x.value);
      case 'name':
        return isStr(x.name) && typeof x.primed === 'boolean' && (x.offset === undefined || (spanned(x.offset) && isNum(x.offset.value)));
      case 'binary':
        return isStr(x.op) && BINARY_OPS.has(x.op) && expr(x.left) && expr(x.right);
      case 'neg':
      case 'transpose':
        return expr(x.operand);
      case 'index':
        return expr(x.target) && expr(x.index) && (x.offset === undefined || (spanned(x.offset) && isNum(x.offset.value)));
      case 'call':
        return call(x);
      default:
        return false;
    }
  }

  const stmt = (x: unknown): boolean => {
    if (!spanned(x)) return false;
    switch (x.kind) {
      case 'dim':
        return ident(x.name) && (x.value === null ? x.valueSpan === null : isNum(x.value) && span(x.valueSpan));
      case 'param':
        return ident(x.name) && shape(x.shape) && (x.init === null || init(x.init)) && (x.weightDrop === undefined || (spanned(x.weightDrop) && isNum(x.weightDrop.p)));
      case 'let':
        return typeof x.gate === 'boolean' && ident(x.name) && expr(x.expr);
      case 'update':
        return primed(x.state) && expr(x.expr);
      case 'loss':
        return expr(x.expr);
      default:
        return false;
    }
  };
  const port = (x: unknown): boolean => spanned(x) && ident(x.name) && shape(x.shape);
  const item = (x: unknown): boolean => {
    if (!spanned(x)) return false;
    switch (x.kind) {
      case 'use':
        return isStr(x.path);
      case 'cell':
        return ident(x.name) && every(x.inputs, port) && every(x.states, port) && every(x.body, stmt);
      case 'model':
        return ident(x.name) && every(x.body, stmt);
      default:
        return false;
    }
  };
  const diagnostic = (x: unknown): boolean =>
    isObj(x) &&
    (x.severity === 'error' || x.severity === 'warning') &&
    isStr(x.code) &&
    isStr(x.message) &&
    (x.span === null || span(x.span)) &&
    (!('hint' in x) || isStr(x.hint));
  return { item, diagnostic };
}

/** Whether `x` is a parse result of the file `path` whose text is `text`. */
export function isParseResult(x: unknown, path: string, text: string): x is ParseResult {
  const { item, diagnostic } = shapes(path, text);
  if (!isObj(x) || !every(x.diagnostics, diagnostic)) return false;
  if (x.ast === null) return (x.diagnostics as unknown[]).length > 0;
  return isObj(x.ast) && x.ast.path === path && every(x.ast.items, item);
}
