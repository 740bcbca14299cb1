// A standalone module's model side, as JavaScript source text: weights (inlined base64 or a
// safetensors file), one memory for the parameters and every buffer of the generated code
// (a WebAssembly memory when the SIMD GEMM runs, else an ArrayBuffer), the runners the
// generated `create` makes (one step at batch 1, and score windows), and the public API.
// It expects the constants the exporter writes before it: MODEL, VOCAB, WEIGHTS, GEMM_WASM,
// WINDOW, and the generated `create`.

export function apiSource(): string {
  return String.raw`
// ── bytes
function fromBase64(s) {
  const table = new Uint8Array(128);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) table[abc.charCodeAt(i)] = i;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  for (let i = 0, o = 0; i < s.length; i += 4) {
    const n = (table[s.charCodeAt(i)] << 18) | (table[s.charCodeAt(i + 1)] << 12) | (table[s.charCodeAt(i + 2)] << 6) | table[s.charCodeAt(i + 3)];
    out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
function asBytes(x) {
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  return null;
}
// Node's fs when this runs in Node (reached without importing anything), else null
function nodeFs() {
  const p = globalThis.process;
  return p && p.versions && p.versions.node && typeof p.getBuiltinModule === 'function' ? p.getBuiltinModule('fs') : null;
}
const isUrl = (s) => /^[a-z][a-z0-9+.-]+:/i.test(s);
function readSync(src) {
  const fs = nodeFs();
  if (!fs) throw new Error('cannot read ' + src + ' synchronously here: pass its bytes (an ArrayBuffer), or use await init()');
  try {
    return new Uint8Array(fs.readFileSync(src instanceof URL || isUrl(String(src)) ? new URL(String(src)) : String(src)));
  } catch (e) {
    throw new Error(String(src) + ': ' + (e && e.code === 'ENOENT' ? 'no such file' : e && e.message));
  }
}
async function readAsync(src) {
  const url = String(src);
  const local = src instanceof URL ? src.protocol === 'file:' : !isUrl(url) || url.startsWith('file:');
  if (local && nodeFs()) return readSync(src);
  if (local && globalThis.process?.versions?.node) throw new Error('cannot read ' + url + ': this Node has no process.getBuiltinModule (Node >= 20.16 has); pass the file\'s bytes (an ArrayBuffer) instead');
  const r = await fetch(src);
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status + ' ' + r.statusText);
  return new Uint8Array(await r.arrayBuffer());
}
// a safetensors file's F32/F64 tensors by name, checked against the model's parameters
function weightsFromSafetensors(buf, what, P) {
  const fail = (msg) => {
    throw new Error(what + ': ' + msg);
  };
  if (buf.length < 8) fail('too short to be a safetensors file');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > buf.length - 8) fail('the header runs past the end of the data');
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    fail('the header is not JSON (' + e.message + ')');
  }
  const missing = [];
  for (const p of MODEL.params) {
    const t = header[p.name];
    if (!t) {
      missing.push(p.name);
      continue;
    }
    if (JSON.stringify(t.shape) !== JSON.stringify(p.shape)) fail("tensor '" + p.name + "' has shape [" + t.shape + '], the model needs [' + p.shape + ']');
    const [begin, end] = t.data_offsets;
    const bytes = buf.slice(8 + n + begin, 8 + n + end);
    const width = t.dtype === 'F32' ? 4 : t.dtype === 'F64' ? 8 : fail("tensor '" + p.name + "' has dtype " + t.dtype + ' (F32 or F64 expected)');
    if (bytes.length !== p.size * width) fail("tensor '" + p.name + "' holds " + bytes.length + ' bytes, the model needs ' + p.size * width);
    const data = width === 4 ? new Float32Array(bytes.buffer, 0, p.size) : new Float64Array(bytes.buffer, 0, p.size);
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) fail("tensor '" + p.name + "' holds " + data[i] + ' at index ' + i);
    P.set(data, p.offset);
  }
  if (missing.length) fail('no tensor ' + missing.map((m) => "'" + m + "'").join(', ') + ' (model ' + MODEL.name + ')');
}

// ── memory and runners
let gemmModule = null;
function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(GEMM_WASM);
}
// one bump allocator over a buffer: 16-byte aligned float32 views
function heap(buffer, start) {
  let top = start;
  return (n) => {
    const view = new Float32Array(buffer, top, n);
    top += Math.ceil(Math.max(n, 1) / 4) * 16;
    if (top > buffer.byteLength) throw new RangeError('internal: the module sized its memory too small');
    return view;
  };
}
// what the generated code allocates for (B, T), counted on a dry instance
function floatsFor(B, T) {
  let total = 0;
  const alloc = (n) => {
    total += Math.ceil(Math.max(n, 1) / 4) * 4;
    return new Float32Array(n);
  };
  create({ alloc, k: jsKernels(), loops: null }, { B, T, params: new Float32Array(MODEL.totalParams), grads: null });
  return total;
}
let current = null;
function instantiate(weights, kernels) {
  const wantWasm = kernels === 'wasm' || (kernels !== 'js' && gemmModule !== null);
  if (wantWasm && gemmModule === null) throw new Error('this engine has no WebAssembly SIMD; use kernels: "js"');
  const floats = MODEL.totalParams + 4 + floatsFor(1, 1) + floatsFor(1, WINDOW);
  const start = wantWasm ? GEMM_WORK_BYTES + 64 : 0;
  const bytes = start + floats * 4;
  let k, buffer;
  if (wantWasm) {
    const pages = Math.ceil(bytes / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const ex = new WebAssembly.Instance(gemmModule, { env: { memory } }).exports;
    buffer = memory.buffer;
    k = gemmKernels(ex, 64);
  } else {
    buffer = new ArrayBuffer(bytes);
    k = jsKernels();
  }
  const alloc = heap(buffer, start);
  const P = alloc(MODEL.totalParams);
  if (weights instanceof Float32Array) P.set(weights);
  else weightsFromSafetensors(weights.bytes, weights.what, P);
  const rt = { alloc, k, loops: null };
  const one = create(rt, { B: 1, T: 1, params: P, grads: null });
  const win = create(rt, { B: 1, T: WINDOW, params: P, grads: null });
  return { P, one, win, kernels: wantWasm ? 'wasm-simd128' : 'js', pair: new Int32Array(2), tokens: new Int32Array(WINDOW + 1) };
}
function inlined() {
  if (WEIGHTS === null) return null;
  const b = fromBase64(WEIGHTS);
  return new Float32Array(b.buffer, 0, MODEL.totalParams);
}
function weightsSync(o) {
  if (o.weights === undefined) {
    const w = inlined();
    if (!w) throw new Error(MODEL.name + ': this module was exported with --weights external; pass init({ weights: path, URL or ArrayBuffer of a .safetensors file })');
    return w;
  }
  const b = asBytes(o.weights);
  return { bytes: b ?? readSync(o.weights), what: b ? 'weights' : String(o.weights) };
}
async function weightsAsync(o) {
  if (o.weights === undefined || asBytes(o.weights)) return weightsSync(o);
  return { bytes: await readAsync(o.weights), what: String(o.weights) };
}
function checkInitOptions(o) {
  if (o.kernels !== undefined && o.kernels !== 'auto' && o.kernels !== 'wasm' && o.kernels !== 'js') throw new RangeError('kernels must be "auto", "wasm" or "js" (got ' + o.kernels + ')');
}

/** Loads the weights (inlined, or options.weights: a .safetensors path, URL or bytes) and compiles the kernels. */
async function init(options = {}) {
  checkInitOptions(options);
  if (gemmModule === null && options.kernels !== 'js' && simdSupported()) gemmModule = await WebAssembly.compile(GEMM_WASM);
  current = instantiate(await weightsAsync(options), options.kernels);
  return describe();
}
/** The same, synchronously: weights as bytes (or a file path in Node); WebAssembly compiled on this thread. */
function initSync(options = {}) {
  checkInitOptions(options);
  if (gemmModule === null && options.kernels !== 'js' && simdSupported()) {
    try {
      gemmModule = new WebAssembly.Module(GEMM_WASM);
    } catch (e) {
      // a browser's main thread refuses to compile large modules synchronously: plain JavaScript then
      if (options.kernels === 'wasm') throw e;
    }
  }
  current = instantiate(weightsSync(options), options.kernels);
  return describe();
}
function ready() {
  if (current === null) {
    if (WEIGHTS === null) throw new Error(MODEL.name + ': call init({ weights }) first (the module was exported with --weights external)');
    initSync();
  }
  return current;
}
// what the module holds (a module with inlined weights is loaded first, as any use does)
function info() {
  if (current === null && WEIGHTS !== null) initSync();
  return describe();
}
function describe() {
  return { name: MODEL.name, vocabSize: MODEL.vocab, vocab: VOCAB ? VOCAB.tokens.slice() : null, kind: VOCAB ? VOCAB.kind : null, params: MODEL.params.map((p) => ({ name: p.name, shape: p.shape.slice() })), states: MODEL.states.map((s) => ({ name: s.name, size: s.size })), kernels: current ? current.kernels : null };
}

// ── the API
function encode(text) {
  return tokenize(text, 'text').ids;
}
function decode(ids) {
  return decodeIds(ids);
}
function initialState() {
  return MODEL.states.map((s) => new Float32Array(s.size));
}
function logSoftmax(logits) {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const lse = max + Math.log(sum), out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
  return out;
}
function tokenId(token) {
  if (typeof token === 'string') {
    needVocab();
    const id = TOKEN_ID.get(token);
    if (id === undefined) throw new RangeError('token ' + JSON.stringify(token) + ' is not in the vocabulary');
    return id;
  }
  return checkId(token, 'token');
}
// reads a token from state (in place); the next token's logits, a live view
function advance(r, token, state) {
  r.one.initial.forEach((s, k) => s.set(state[k]));
  r.pair[0] = token;
  r.one.run(r.pair, { loss: false, carry: true });
  r.one.initial.forEach((s, k) => state[k].set(s));
  return r.one.logits(0);
}
function step(token, state) {
  const r = ready();
  const id = tokenId(token);
  const next = state === undefined ? initialState() : checkState(state).map((s) => s.slice());
  return { logProbs: logSoftmax(advance(r, id, next)), state: next };
}
function checkState(state) {
  if (!Array.isArray(state) || state.length !== MODEL.states.length || state.some((s, k) => !(s instanceof Float32Array) || s.length !== MODEL.states[k].size))
    throw new TypeError('state must be the state a step returned (' + MODEL.states.length + ' Float32Arrays)');
  return state;
}
// ln p of ids[1..] given all before, in windows of WINDOW steps, the state carried through
function logProbsOf(ids) {
  const r = ready();
  const out = new Float64Array(ids.length - 1);
  r.win.resetStates();
  for (let i = 0; i < out.length; i += WINDOW) {
    const t = Math.min(WINDOW, out.length - i);
    r.tokens.fill(0);
    for (let j = 0; j <= t; j++) r.tokens[j] = ids[i + j];
    r.win.run(r.tokens, { loss: false, carry: true });
    for (let j = 0; j < t; j++) {
      const logits = r.win.logits(j), target = ids[i + j + 1];
      let max = -Infinity;
      for (let v = 0; v < logits.length; v++) if (logits[v] > max) max = logits[v];
      let sum = 0;
      for (let v = 0; v < logits.length; v++) sum += Math.exp(logits[v] - max);
      out[i + j] = logits[target] - max - Math.log(sum);
    }
  }
  return out;
}
function score(text) {
  if (REFUSAL) throw new Error(REFUSAL.score);
  const { tokens, ids } = Array.isArray(text) || ArrayBuffer.isView(text) ? { tokens: null, ids: Array.from(text, (t) => checkId(t, 'token')) } : tokenize(text, 'text');
  if (ids.length < 2) throw new RangeError('score: ' + ids.length + ' token' + (ids.length === 1 ? '' : 's') + '; scoring needs at least 2');
  const lp = logProbsOf(ids);
  let total = 0;
  for (const x of lp) total += x;
  return { tokens: tokens ?? ids.map(String), ids, logProbs: [null, ...lp], perplexity: Math.exp(-total / lp.length) };
}
function sample(options = {}) {
  if (REFUSAL) throw new Error(REFUSAL.sample);
  const r = ready();
  checkSampleOptions(options);
  const length = options.length ?? 200;
  if (!(Number.isInteger(length) && length >= 0)) throw new RangeError('length must be a non-negative integer (got ' + length + ')');
  let prompt = typeof options.prompt === 'string' ? (options.prompt === '' ? [] : encode(options.prompt)) : Array.from(options.prompt ?? [], (t) => checkId(t, 'prompt token'));
  if (prompt.length === 0) prompt = [!VOCAB ? 0 : VOCAB.kind === 'word' ? EOS_ID : Math.max(0, TOKEN_ID.get('\n') ?? 0)];
  const next = rng(options.seed ?? 0);
  const w = new Float64Array(MODEL.vocab), sorted = new Float64Array(MODEL.vocab);
  const state = initialState();
  let logits;
  for (const t of prompt) logits = advance(r, t, state);
  const ids = [];
  for (let i = 0; i < length; i++) {
    const id = pick(logits, options, next, w, sorted);
    ids.push(id);
    if (options.untilEos && id === EOS_ID) break;
    if (i + 1 < length) logits = advance(r, id, state);
  }
  return { ids, text: VOCAB ? decodeIds(ids) : null };
}
`;
}
