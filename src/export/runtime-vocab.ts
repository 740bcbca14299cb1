// A standalone module's text side, as JavaScript source text: the vocabulary (encode and
// decode as rnnc's Vocab does: characters by code point; words split on whitespace with
// <eos> after each line, unknown words as <unk>), and the sampling stream and sampler of
// `rnnc sample` (xoshiro128** seeded as src/runtime/rng.ts does; temperature → top-k →
// top-p as src/runtime/sample.ts does), so a seeded sample repeats rnnc's.

export function vocabSource(): string {
  return String.raw`
// ── vocabulary
const TOKEN_ID = new Map(VOCAB ? VOCAB.tokens.map((t, i) => [t, i]) : []);
const EOS_ID = VOCAB && VOCAB.kind === 'word' ? TOKEN_ID.get('<eos>') : -1;
const UNK_ID = VOCAB && VOCAB.kind === 'word' ? TOKEN_ID.get('<unk>') : -1;
function needVocab() {
  if (!VOCAB) throw new Error(MODEL.name + ' was exported without a vocabulary: the module works on token ids only (export from a checkpoint, or with --data or --vocab, for text)');
}
function describeChar(c) {
  const hex = 'U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
  return /[\u0000-\u001f\u007f\s]/u.test(c) ? hex : "'" + c + "' (" + hex + ')';
}
function forEachWord(text, fn) {
  if (text === '') return;
  const lines = text.split('\n');
  const n = text.endsWith('\n') ? lines.length - 1 : lines.length;
  for (let l = 0; l < n; l++) {
    for (const w of lines[l].split(/\s+/u)) if (w !== '') fn(w);
    fn('<eos>');
  }
}
// the tokens of a text and their ids
function tokenize(text, what) {
  needVocab();
  if (typeof text !== 'string') throw new TypeError(what + ' must be a string');
  const tokens = [], ids = [];
  if (VOCAB.kind === 'word') {
    forEachWord(text, (w) => {
      tokens.push(w);
      ids.push(TOKEN_ID.get(w) ?? UNK_ID);
    });
    return { tokens, ids };
  }
  let line = 1, col = 1;
  for (const ch of text) {
    const id = TOKEN_ID.get(ch);
    if (id === undefined) throw new RangeError(what + ':' + line + ':' + col + ': character ' + describeChar(ch) + ' is not in the vocabulary (' + VOCAB.tokens.length + ' characters)');
    tokens.push(ch);
    ids.push(id);
    if (ch === '\n') (line++, (col = 1));
    else col++;
  }
  return { tokens, ids };
}
function checkId(id, what) {
  if (!(Number.isInteger(id) && id >= 0 && id < MODEL.vocab)) throw new RangeError(what + ' ' + id + ' is outside the vocabulary [0, ' + MODEL.vocab + ')');
  return id;
}
function decodeIds(ids) {
  needVocab();
  let s = '', lineStart = true;
  for (let i = 0; i < ids.length; i++) {
    const id = checkId(ids[i], 'token id');
    if (VOCAB.kind === 'char') s += VOCAB.tokens[id];
    else if (id === EOS_ID) (s += '\n'), (lineStart = true);
    else (s += (lineStart ? '' : ' ') + VOCAB.tokens[id]), (lineStart = false);
  }
  return s;
}

// ── the sampling stream: xoshiro128** 1.1, seeded through a splitmix32-style mixer
function mix32(z) {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
function rng(seed) {
  if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number (got ' + seed + ')');
  const lo = (x) => Math.trunc(x) >>> 0, hi = (x) => Math.floor(Math.trunc(x) / 4294967296) >>> 0;
  let z = (mix32(lo(seed) ^ 0x243f6a88) ^ mix32(hi(seed) ^ 0x85a308d3) ^ mix32(0 ^ 0x13198a2e) ^ mix32(0 ^ 0x03707344)) >>> 0;
  const s = [];
  for (let i = 0; i < 4; i++) s.push(mix32((z = (z + 0x9e3779b9) >>> 0)));
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  let [s0, s1, s2, s3] = s;
  return () => {
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result / 4294967296;
  };
}

// ── the next token from a row of logits: greedy, or softmax(logits / t) cut to the top k, then to the nucleus p
function argmax(x) {
  let best = -1, max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] > max) (max = x[i]), (best = i);
    else if (x[i] !== x[i]) throw new RangeError('sample: logit ' + i + ' is NaN');
  }
  if (best < 0) throw new RangeError('sample: every logit is -Infinity');
  if (max === Infinity) throw new RangeError('sample: logit ' + best + ' is +Infinity');
  return best;
}
function checkSampleOptions(o) {
  const t = o.temperature, k = o.topK, p = o.topP;
  if (t !== undefined && !(t >= 0 && t < Infinity)) throw new RangeError('sample: temperature must be >= 0 and finite (got ' + t + ')');
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new RangeError('sample: topK must be an integer >= 1 (got ' + k + ')');
  if (p !== undefined && !(p > 0 && p <= 1)) throw new RangeError('sample: topP must be in (0, 1] (got ' + p + ')');
}
function pick(logits, o, next, w, sorted) {
  if (o.greedy || o.temperature === 0) return argmax(logits);
  const n = logits.length, t = o.temperature ?? 1, k = Math.min(o.topK ?? n, n), p = o.topP ?? 1;
  const max = logits[argmax(logits)];
  let kTau = -Infinity, kTies = n;
  if (k < n) {
    for (let i = 0; i < n; i++) sorted[i] = logits[i];
    const s = sorted.sort();
    kTau = s[n - k];
    let above = 0;
    for (let j = n - k + 1; j < n; j++) if (s[j] > kTau) above++;
    kTies = k - above;
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = logits[i];
    let keep = v > kTau;
    if (!keep && v === kTau && kTies > 0) (keep = true), kTies--;
    total += w[i] = keep ? Math.exp((v - max) / t) : 0;
  }
  if (p < 1) {
    for (let i = 0; i < n; i++) sorted[i] = w[i];
    const s = sorted.sort();
    const target = p * total;
    let acc = 0, j = n - 1;
    for (; j > 0; j--) if ((acc += s[j]) >= target) break;
    const pTau = s[j];
    let above = 0;
    for (let q = j + 1; q < n; q++) if (s[q] > pTau) above++;
    let pTies = n - j - above;
    total = 0;
    for (let i = 0; i < n; i++) {
      const e = w[i];
      if (e > pTau) total += e;
      else if (e === pTau && pTies > 0) (pTies--, (total += e));
      else w[i] = 0;
    }
  }
  let u = next() * total, last = -1;
  for (let i = 0; i < n; i++) {
    const e = w[i];
    if (e > 0) {
      if (u < e) return i;
      u -= e;
      last = i;
    }
  }
  return last;
}
`;
}
