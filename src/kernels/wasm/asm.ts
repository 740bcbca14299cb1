// A small WebAssembly assembler: just enough of the binary format (module sections,
// LEB128, the MVP opcodes a loop nest needs and the 0xFD-prefixed SIMD opcodes) to
// write numeric kernels from TypeScript. No dependencies; the output is checked with
// WebAssembly.validate by its callers.
//
// Expressions are plain byte arrays built bottom-up (`i32.add(get(x), i32c(4))`), so an
// expression tree is the stack-machine code that leaves its value on the stack.
// Statements (sets, stores, blocks, loops, branches) are emitted into a FunctionBuilder,
// which tracks the enclosing blocks so branches name their target by label, not depth.

export type Bytes = number[];

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

// ---- encodings -------------------------------------------------------------------

export function uleb(n: number): Bytes {
  if (!Number.isInteger(n) || n < 0) throw new Error(`uleb: ${n}`);
  const out: Bytes = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): Bytes {
  if (!Number.isInteger(n)) throw new Error(`sleb: ${n}`);
  const out: Bytes = [];
  for (;;) {
    const byte = n & 0x7f;
    n = Math.floor(n / 128); // arithmetic shift that also works beyond 32 bits
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function f32Bytes(x: number): Bytes {
  return Array.from(new Uint8Array(new Float32Array([x]).buffer));
}

function utf8(s: string): Bytes {
  const bytes = new TextEncoder().encode(s); // not Buffer: the kernels also run in a browser
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: Bytes[]): Bytes {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: Bytes): Bytes {
  return [id, ...uleb(body.length), ...body];
}

const cat = (...parts: Bytes[]): Bytes => parts.flat();

// ---- locals ----------------------------------------------------------------------

export interface Local {
  readonly index: number;
  readonly type: ValType;
  readonly name: string;
}

export const get = (l: Local): Bytes => [0x20, ...uleb(l.index)];
export const tee = (l: Local, value: Bytes): Bytes => [...value, 0x22, ...uleb(l.index)];
/** `local.set` as code to splice into an expression sequence (leaves nothing on the stack). */
export const setLocal = (l: Local, value: Bytes): Bytes => [...value, 0x21, ...uleb(l.index)];

// ---- constants and scalar operators ----------------------------------------------

export const i32c = (n: number): Bytes => [0x41, ...sleb(n | 0)];
export const f32c = (x: number): Bytes => [0x43, ...f32Bytes(x)];

const bin = (op: number) => (a: Bytes, b: Bytes): Bytes => [...a, ...b, op];
const un = (op: number) => (a: Bytes): Bytes => [...a, op];

export const i32 = {
  add: bin(0x6a), sub: bin(0x6b), mul: bin(0x6c), and: bin(0x71), or: bin(0x72),
  shl: bin(0x74), shr_u: bin(0x76),
  eqz: un(0x45), eq: bin(0x46), ne: bin(0x47),
  lt_s: bin(0x48), lt_u: bin(0x49), gt_s: bin(0x4a), gt_u: bin(0x4b),
  le_s: bin(0x4c), le_u: bin(0x4d), ge_s: bin(0x4e), ge_u: bin(0x4f),
  load: (addr: Bytes, offset = 0): Bytes => [...addr, 0x28, 2, ...uleb(offset)],
};

export const f32 = {
  add: bin(0x92), sub: bin(0x93), mul: bin(0x94),
  eq: bin(0x5b), ne: bin(0x5c),
  load: (addr: Bytes, offset = 0): Bytes => [...addr, 0x2a, 2, ...uleb(offset)],
};

/** `cond ? a : b`, both evaluated. */
export const select = (a: Bytes, b: Bytes, cond: Bytes): Bytes => [...a, ...b, ...cond, 0x1b];

/** min/max for i32 via select. */
export const i32min = (a: Bytes, b: Bytes): Bytes => select(a, b, i32.lt_s(a, b));

// ---- SIMD (prefix 0xFD) -------------------------------------------------------------

const simd = (op: number): Bytes => [0xfd, ...uleb(op)];
const vbin = (op: number) => (a: Bytes, b: Bytes): Bytes => [...a, ...b, ...simd(op)];
const vun = (op: number) => (a: Bytes): Bytes => [...a, ...simd(op)];

/** memarg alignment is a hint (log2 bytes); unaligned access is always legal. */
export const v128 = {
  load: (addr: Bytes, offset = 0, alignLog2 = 4): Bytes =>
    [...addr, ...simd(0x00), alignLog2, ...uleb(offset)],
  load32_splat: (addr: Bytes, offset = 0): Bytes => [...addr, ...simd(0x09), 2, ...uleb(offset)],
  load32_zero: (addr: Bytes, offset = 0): Bytes => [...addr, ...simd(0x5c), 2, ...uleb(offset)],
  const0: (): Bytes => [...simd(0x0c), ...new Array(16).fill(0)],
  and: vbin(0x4e),
  /** Bits of a where mask is 1, of b where it is 0. */
  bitselect: (a: Bytes, b: Bytes, mask: Bytes): Bytes => [...a, ...b, ...mask, ...simd(0x52)],
};

export const i32x4 = {
  splat: (a: Bytes): Bytes => [...a, ...simd(0x11)],
  add: vbin(0xae),
  /** Shift every lane left by the i32 `n`. */
  shl: (a: Bytes, n: Bytes): Bytes => [...a, ...n, ...simd(0xab)],
  /** f32 lanes → i32, saturating (NaN → 0). */
  trunc_sat_f32x4_s: vun(0xf8),
};

export const f32x4 = {
  splat: (a: Bytes): Bytes => [...a, ...simd(0x13)],
  extract_lane: (a: Bytes, lane: number): Bytes => [...a, ...simd(0x1f), lane],
  add: vbin(0xe4), sub: vbin(0xe5), mul: vbin(0xe6), div: vbin(0xe7),
  min: vbin(0xe8), max: vbin(0xe9),
  /** Pseudo-min: b < a ? b : a (one instruction; min's NaN and ±0 rules cost several). */
  pmin: vbin(0xea),
  /** Pseudo-max: a < b ? b : a (no NaN propagation rules beyond the comparison). */
  pmax: vbin(0xeb),
  neg: vun(0xe1), floor: vun(0x68),
  /** Lane masks: all ones where a > b. */
  gt: vbin(0x44),
  /** Relaxed SIMD: a·b + c, fused or not at the engine's choice (one rounding on FMA hardware). */
  relaxed_madd: (a: Bytes, b: Bytes, c: Bytes): Bytes => [...a, ...b, ...c, ...simd(0x105)],
};

/** i8x16.shuffle over the 32 bytes of (a, b), with lanes given as 32-bit lane indices 0..7. */
export function shuffle32(a: Bytes, b: Bytes, lanes: [number, number, number, number]): Bytes {
  const bytes = lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]);
  return [...a, ...b, ...simd(0x0d), ...bytes];
}

// ---- function builder -------------------------------------------------------------

export interface Label {
  readonly kind: 'block' | 'loop';
}

export class FunctionBuilder {
  readonly params: Local[] = [];
  private readonly locals: Local[] = [];
  private readonly body: Bytes = [];
  private readonly open: Label[] = [];

  constructor(
    readonly name: string,
    paramSpec: Array<[string, ValType]>,
    readonly results: ValType[] = [],
  ) {
    for (const [n, t] of paramSpec) this.params.push({ index: this.params.length, type: t, name: n });
  }

  param(name: string): Local {
    const p = this.params.find((x) => x.name === name);
    if (!p) throw new Error(`${this.name}: no parameter ${name}`);
    return p;
  }

  local(type: ValType, name = ''): Local {
    const l = { index: this.params.length + this.locals.length, type, name };
    this.locals.push(l);
    return l;
  }

  /** Emit raw code (an expression whose value is dropped must be wrapped by the caller). */
  emit(code: Bytes): void {
    for (const b of code) this.body.push(b);
  }

  set(l: Local, value: Bytes): void {
    this.emit([...value, 0x21, ...uleb(l.index)]);
  }

  f32store(addr: Bytes, value: Bytes, offset = 0): void {
    this.emit([...addr, ...value, 0x38, 2, ...uleb(offset)]);
  }

  i32store(addr: Bytes, value: Bytes, offset = 0): void {
    this.emit([...addr, ...value, 0x36, 2, ...uleb(offset)]);
  }

  v128store(addr: Bytes, value: Bytes, offset = 0, alignLog2 = 4): void {
    this.emit([...addr, ...value, ...simd(0x0b), alignLog2, ...uleb(offset)]);
  }

  /** `block … end`; `br(label)` inside jumps past the end. */
  block(body: (exit: Label) => void): void {
    this.structured(0x02, 'block', body);
  }

  /** `loop … end`; `br(label)` inside jumps back to the top. */
  loop(body: (top: Label) => void): void {
    this.structured(0x03, 'loop', body);
  }

  if(cond: Bytes, then: () => void, otherwise?: () => void): void {
    this.emit([...cond, 0x04, 0x40]);
    const l: Label = { kind: 'block' };
    this.open.push(l);
    then();
    if (otherwise) {
      this.emit([0x05]);
      otherwise();
    }
    this.open.pop();
    this.emit([0x0b]);
  }

  br(label: Label): void {
    this.emit([0x0c, ...uleb(this.depth(label))]);
  }

  brIf(label: Label, cond: Bytes): void {
    this.emit([...cond, 0x0d, ...uleb(this.depth(label))]);
  }

  return(): void {
    this.emit([0x0f]);
  }

  /**
   * `for (i = start; i < end; i += step) body()` as block/loop, with the test at the top
   * (so zero iterations are fine). `end` is re-evaluated each iteration: pass a local.
   */
  for(i: Local, start: Bytes, end: Bytes, step: number | Bytes, body: (exit: Label) => void): void {
    this.set(i, start);
    this.block((exit) => {
      this.loop((top) => {
        this.brIf(exit, i32.ge_s(get(i), end));
        body(exit);
        this.set(i, i32.add(get(i), typeof step === 'number' ? i32c(step) : step));
        this.br(top);
      });
    });
  }

  private structured(op: number, kind: Label['kind'], body: (l: Label) => void): void {
    const l: Label = { kind };
    this.emit([op, 0x40]);
    this.open.push(l);
    body(l);
    this.open.pop();
    this.emit([0x0b]);
  }

  private depth(label: Label): number {
    const i = this.open.lastIndexOf(label);
    if (i < 0) throw new Error(`${this.name}: branch to a label that is not open`);
    return this.open.length - 1 - i;
  }

  /** The code-section entry: locals (run-length grouped by type), body, end. */
  encode(): Bytes {
    if (this.open.length) throw new Error(`${this.name}: unclosed block`);
    const groups: Bytes[] = [];
    let i = 0;
    while (i < this.locals.length) {
      let j = i;
      while (j < this.locals.length && this.locals[j].type === this.locals[i].type) j++;
      groups.push([...uleb(j - i), this.locals[i].type]);
      i = j;
    }
    const code = cat(vec(groups), this.body, [0x0b]);
    return [...uleb(code.length), ...code];
  }

  typeSignature(): Bytes {
    return [0x60, ...vec(this.params.map((p) => [p.type])), ...vec(this.results.map((t) => [t]))];
  }
}

// ---- module ------------------------------------------------------------------------

export interface MemoryImport {
  module: string;
  name: string;
  minPages: number;
  maxPages?: number;
  shared?: boolean;
}

/** A module that imports one memory and exports the given functions (all of them). */
export function encodeModule(memory: MemoryImport, functions: FunctionBuilder[]): Uint8Array<ArrayBuffer> {
  const sigs: string[] = [];
  const sigBytes: Bytes[] = [];
  const typeOf = functions.map((f) => {
    const s = f.typeSignature();
    const key = s.join(',');
    let k = sigs.indexOf(key);
    if (k < 0) {
      k = sigs.length;
      sigs.push(key);
      sigBytes.push(s);
    }
    return k;
  });
  if (memory.shared && memory.maxPages === undefined) throw new Error('shared memory needs a maximum');
  const limits =
    memory.maxPages === undefined
      ? [0x00, ...uleb(memory.minPages)]
      : [memory.shared ? 0x03 : 0x01, ...uleb(memory.minPages), ...uleb(memory.maxPages)];
  const imports = vec([cat(utf8(memory.module), utf8(memory.name), [0x02], limits)]);
  const exports = vec(functions.map((f, i) => cat(utf8(f.name), [0x00], uleb(i))));
  return new Uint8Array(
    cat(
      [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      section(1, vec(sigBytes)),
      section(2, imports),
      section(3, vec(typeOf.map((k) => uleb(k)))),
      section(7, exports),
      section(10, vec(functions.map((f) => f.encode()))),
    ),
  );
}
