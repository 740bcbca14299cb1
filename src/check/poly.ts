// Dim algebra: a dim is a polynomial over named dims with integer coefficients, so that
// `[hidden]` vs `[embed]` compare symbolically while `vocab` is still unbound, `concat`
// sums dims, and parameter counts print as e.g. `513*vocab + 1,224,704`.
import { groupDigits } from '../util/group-digits.ts';

/** Monomial key ("" for the constant term, "a*b" with sorted factors) → coefficient. */
export type Poly = ReadonlyMap<string, number>;

export function constant(n: number): Poly {
  return n === 0 ? new Map() : new Map([['', n]]);
}

export function variable(name: string): Poly {
  return new Map([[name, 1]]);
}

export function add(a: Poly, b: Poly): Poly {
  const out = new Map(a);
  for (const [k, v] of b) {
    const s = (out.get(k) ?? 0) + v;
    if (s === 0) out.delete(k);
    else out.set(k, s);
  }
  return out;
}

export function mul(a: Poly, b: Poly): Poly {
  let out: Poly = new Map();
  for (const [ka, va] of a) {
    for (const [kb, vb] of b) {
      const key = [...(ka ? ka.split('*') : []), ...(kb ? kb.split('*') : [])].sort().join('*');
      out = add(out, new Map([[key, va * vb]]));
    }
  }
  return out;
}

export function equal(a: Poly, b: Poly): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** The value of a polynomial with no variables, else null. */
export function asNumber(p: Poly): number | null {
  if (p.size === 0) return 0;
  if (p.size === 1 && p.has('')) return p.get('')!;
  return null;
}

export function variables(p: Poly): string[] {
  const names = new Set<string>();
  for (const k of p.keys()) for (const f of k ? k.split('*') : []) names.add(f);
  return [...names].sort();
}

/** `hidden*hidden*in` → `hidden^2*in`. */
function formatMonomial(key: string): string {
  const counts = new Map<string, number>();
  for (const f of key.split('*')) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].map(([f, n]) => (n === 1 ? f : `${f}^${n}`)).join('*');
}

function formatInt(n: number, grouped: boolean): string {
  return grouped ? groupDigits(n) : String(n);
}

/** Human form: higher-degree terms first, constant last; `grouped` adds thousands separators. */
export function format(p: Poly, grouped = false): string {
  if (p.size === 0) return '0';
  const terms = [...p.entries()].sort(([ka], [kb]) => {
    const da = ka ? ka.split('*').length : 0;
    const db = kb ? kb.split('*').length : 0;
    return db - da || (ka < kb ? -1 : ka > kb ? 1 : 0);
  });
  let out = '';
  for (const [k, v] of terms) {
    const abs = Math.abs(v);
    const body = k === '' ? formatInt(abs, grouped) : abs === 1 ? formatMonomial(k) : `${formatInt(abs, grouped)}*${formatMonomial(k)}`;
    out += out === '' ? (v < 0 ? `-${body}` : body) : v < 0 ? ` - ${body}` : ` + ${body}`;
  }
  return out;
}

/** Replaces each variable that `values` knows by its number. */
export function substitute(p: Poly, values: ReadonlyMap<string, number>): Poly {
  let out: Poly = new Map();
  for (const [k, v] of p) {
    let term: Poly = constant(v);
    for (const f of k ? k.split('*') : []) {
      const n = values.get(f);
      term = mul(term, n === undefined ? variable(f) : constant(n));
    }
    out = add(out, term);
  }
  return out;
}

export type Shape = readonly Poly[];

export function shapeEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => equal(d, b[i]));
}

export function formatShape(s: Shape): string {
  return `[${s.map((d) => format(d)).join(', ')}]`;
}

export function shapeSize(s: Shape): Poly {
  return s.reduce<Poly>((acc, d) => mul(acc, d), constant(1));
}

/** Replaces each variable that `env` maps by its polynomial (e.g. a cell's dims by a layer's). */
export function compose(p: Poly, env: ReadonlyMap<string, Poly>): Poly {
  let out: Poly = new Map();
  for (const [k, v] of p) {
    let term: Poly = constant(v);
    for (const f of k ? k.split('*') : []) term = mul(term, env.get(f) ?? variable(f));
    out = add(out, term);
  }
  return out;
}
