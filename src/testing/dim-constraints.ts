// Which dim sizes a model checks with, so the gradient check draws only those: the checker
// is run with the model's dims left symbolic and every dim comparison it makes is recorded
// as an equation (`both = 2*hidden` from `V: [vocab, both] @ concat(fw, bw)`). The
// equations are solved for as many dims as possible; the rest are drawn.
import { load } from '../syntax/load.ts';
import { buildContext, RULES } from '../check/index.ts';
import { add, asNumber, compose, constant, equal, format, mul, substitute, type Poly } from '../check/poly.ts';
import type { Target } from '../wrap-cell.ts';

export interface DimSolution {
  /** Dims drawn at random, in declaration order. */
  free: string[];
  /** Dims computed from the free ones (`both` → `2*hidden`), in declaration order. */
  derived: Map<string, Poly>;
  /** Equations no dim could be solved for (non-linear, or coefficients other than ±1): a draw must make each 0. */
  residual: Poly[];
}

const minus = (a: Poly, b: Poly): Poly => add(a, mul(constant(-1), b));

/** Every equation between the target model's dims that its shapes need, with its dims unbound. */
export function dimEquations(t: Pick<Target, 'name' | 'path' | 'readFile'>): Poly[] {
  const program = load(t.path, t.readFile);
  const ctx = buildContext(program);
  const unit = ctx.units.find((u) => u.kind === 'model' && u.name === t.name && u.file === program.root);
  if (!unit) return [];
  for (const d of unit.dims.values()) d.value = null;
  const equations: Poly[] = [];
  const inner = ctx.dimEq.bind(ctx);
  // Each comparison is taken to hold (so inference carries on past it) and kept as an equation.
  ctx.dimEq = (u) =>
    u !== unit
      ? inner(u)
      : (a, b) => {
          const e = minus(a, b);
          if (e.size && !equations.some((x) => equal(x, e) || equal(x, mul(constant(-1), e)))) equations.push(e);
          return true;
        };
  for (const rule of RULES) rule.run(ctx);
  return equations;
}

/** A dim `e` can be solved for: it occurs only as the monomial `v` with coefficient ±1. */
function pivot(e: Poly, order: string[]): string | null {
  const candidates = [...e.keys()].filter((k) => k !== '' && !k.includes('*') && Math.abs(e.get(k)!) === 1 && ![...e.keys()].some((o) => o !== k && o.split('*').includes(k)));
  // The dim declared last is the derived one: `both` from `hidden`, not the other way round.
  candidates.sort((a, b) => order.indexOf(b) - order.indexOf(a));
  return candidates[0] ?? null;
}

/** Solves the equations for as many dims as possible (Gauss–Jordan over integer polynomials). */
export function solveDims(dims: string[], equations: Poly[]): DimSolution {
  let rest = [...equations];
  const derived = new Map<string, Poly>();
  for (;;) {
    const k = rest.findIndex((e) => pivot(e, dims) !== null);
    if (k < 0) break;
    const e = rest[k];
    const v = pivot(e, dims)!;
    // e = c·v + r = 0 with c = ±1, so v = −r/c = −c·r.
    const c = e.get(v)!;
    const value = mul(constant(-c), minus(e, new Map([[v, c]])));
    const env = new Map([[v, value]]);
    for (const [d, p] of derived) derived.set(d, compose(p, env));
    derived.set(v, value);
    rest = rest.filter((_, i) => i !== k).map((x) => compose(x, env)).filter((x) => x.size > 0);
  }
  const ordered = new Map(dims.filter((d) => derived.has(d)).map((d) => [d, derived.get(d)!]));
  return { free: dims.filter((d) => !derived.has(d)), derived: ordered, residual: rest };
}

/** All dims from the free ones' sizes, or null when a derived size is below 1 or a residual equation fails. */
export function bindDims(s: DimSolution, free: ReadonlyMap<string, number>): Record<string, number> | null {
  const out: Record<string, number> = Object.fromEntries(free);
  for (const [d, p] of s.derived) {
    const n = asNumber(substitute(p, free));
    if (n === null || n < 1) return null;
    out[d] = n;
  }
  for (const e of s.residual) if (asNumber(substitute(e, new Map(Object.entries(out)))) !== 0) return null;
  return out;
}

/** `both = 2*hidden`, for the report. */
export function describeDerived(s: DimSolution): string[] {
  return [...s.derived].map(([d, p]) => `${d} = ${format(p)}`);
}
