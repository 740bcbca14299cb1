// Which backward products `S_kᵀ @ g_k` merge into one GEMM of their sum, and how the sum is
// rewritten (the adds gone, the values never stored, the adds left reading past them).
// Oracles: the cells' structure (which products are only ever added together, where their
// sum goes), the graph itself (what each add read before the rewrite), and the float64
// reference interpreter on every model: a wrong merge fails on the numbers, a missed one on the schedule.
import { describe, expect, it } from 'vitest';
import type { Instr } from '../../src/codegen/schedule.ts';
import { all, cellModel, customCell, expectMatchesReference, planned, sums, type Planned } from './schedule-fixtures.ts';

const prefixed = (names: string[]) => names.map((n) => `h.${n}`);
type Summed = Extract<Instr, { kind: 'summedGemm' }>;
const summed = (p: Planned): Summed[] => all(p.sched).filter((i): i is Summed => i.kind === 'summedGemm');
const stateGrad = (p: Planned, state: string): number => p.plan.stateGrad[p.plan.g.states.findIndex((s) => s.name === state)]!;

/** What a GEMM of a sum must leave behind, whatever the model: checked on every one. */
function expectConsistentRewrite(p: Planned): void {
  const nodes = p.plan.g.nodes;
  const gone = new Set(summed(p).flatMap((s) => s.gone));
  for (const s of summed(p)) {
    const others = s.nodes.filter((id) => id !== s.into);
    // The products other than the one written and the adds gone (but the one written) are never stored.
    for (const id of [...others, ...s.gone.filter((a) => a !== s.into)]) expect(p.sched.elided.has(id), `${id} elided`).toBe(true);
    expect(p.sched.elided.has(s.into)).toBe(false);
    for (const a of s.gone) expect(nodes[a].op).toBe('add');
  }
  // Rewritten: exactly the adds left whose inputs changed, none reading a value no instruction stores.
  for (const [id, n] of p.sched.rewritten) {
    expect(n.id).toBe(id);
    expect(nodes[id].op).toBe('add');
    expect(n.inputs).not.toEqual(nodes[id].inputs);
    for (const i of n.inputs) expect(p.sched.elided.has(i) || gone.has(i), `add ${id} reads ${i}`).toBe(false);
  }
  const elided = new Set([...summed(p).flatMap((s) => [...s.nodes, ...s.gone].filter((x) => x !== s.into))]);
  expect([...p.sched.elided].sort((a, b) => a - b)).toEqual([...elided].sort((a, b) => a - b));
}

describe('shipped cells: the recurrent products only ever added together are one GEMM of their sum', () => {
  it('LSTM: U_iᵀ d_i + U_fᵀ d_f + U_oᵀ d_o + U_cᵀ d_c, written straight into the gradient of h', () => {
    const p = planned(cellModel('lstm.rnn', 'LSTM', { embed: 4, hidden: 8 }), true);
    expect(sums(p)).toEqual([prefixed(['U_i', 'U_f', 'U_o', 'U_c'])]);
    const [s] = summed(p);
    expect(s.into).toBe(stateGrad(p, 'h.h'));
    expect(s.gone).toHaveLength(3);
    expect(s.gone).toContain(s.into);
    expect(p.sched.rewritten.size).toBe(0);
    expectConsistentRewrite(p);
  });
  it('GRU (reset after): U_rᵀ d_r + U_zᵀ d_z + U_nᵀ d_n into the first product, then one add of z ⊙ dh', () => {
    const p = planned(cellModel('gru.rnn', 'GRUResetAfter', { embed: 4, hidden: 8 }), true);
    expect(sums(p)).toEqual([prefixed(['U_r', 'U_z', 'U_n'])]);
    const [s] = summed(p);
    expect(s.into).toBe(s.nodes[0]);
    expect(s.gone).toHaveLength(2);
    expect([...p.sched.rewritten.values()].map((n) => n.inputs.includes(s.into))).toEqual([true]);
    expectConsistentRewrite(p);
  });
  it('MGU and Elman: no two recurrent products summed (MGU\'s U_hᵀ is multiplied by f first)', () => {
    expect(sums(planned(cellModel('mgu.rnn', 'MGU', { embed: 4, hidden: 8 }), true))).toEqual([]);
    expect(sums(planned(cellModel('elman.rnn', 'Elman', { embed: 4, hidden: 8 }), true))).toEqual([]);
  });
  it('the generated code of each equals the reference', () => {
    for (const [f, c] of [['lstm.rnn', 'LSTM'], ['gru.rnn', 'GRUResetAfter'], ['gru.rnn', 'GRU'], ['mgu.rnn', 'MGU']]) expectMatchesReference(cellModel(f, c, { embed: 4, hidden: 8 }));
  });
});

const TWO_SUMS = `cell C(x: [in]) -> (h: [4], c: [4]) {
  param W: [4, in]
  param A, B, Cc, D: [4, 4]
  h' = tanh(A @ h) * sigmoid(B @ h) + c
  c' = tanh(Cc @ c) * sigmoid(D @ c) + W @ x
}`;

describe('custom cells: sums that merge', () => {
  it('two sums side by side in one step (dh = Aᵀ… + Bᵀ…, dc = Ccᵀ… + Dᵀ… + dh\'): two GEMMs, never one of all four', () => {
    const p = planned(customCell(TWO_SUMS), true);
    expect(sums(p)).toEqual([prefixed(['Cc', 'D']), prefixed(['A', 'B'])]);
    const [c, h] = summed(p);
    // dh is the two products alone: the GEMM writes it. dc also adds dh': the GEMM writes the first product, one add is left.
    expect(h.into).toBe(stateGrad(p, 'h.h'));
    expect(c.into).toBe(c.nodes[0]);
    expect([...p.sched.rewritten.values()].map((n) => n.inputs.includes(c.into))).toEqual([true]);
    expectConsistentRewrite(p);
    expectMatchesReference(customCell(TWO_SUMS));
  });
  for (const [label, cell] of [
    ['dh = ((other + Bᵀ…) + other) + Aᵀ…: the first add gone, the second reading past it, the last kept as it is', `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param A, B: [4, 4]
  h' = tanh(A @ h) + h * sigmoid(W @ x) + sigmoid(B @ h) + h * 0.5
}`],
    ['dh = (other + Bᵀ…) + Aᵀ…: the first add gone, the second reading the other term and the GEMM\'s result', `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param A, B: [4, 4]
  h' = tanh(A @ h) * sigmoid(B @ h) + h * sigmoid(W @ x)
}`],
    ['dh = (… + Bᵀ…) + Aᵀ… + 0.5 ⊙ Mᵀ…, the last term computed after the products: the add left reads it in its own loop', `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param A, B, M: [4, 4]
  h' = tanh(A @ h) * sigmoid(B @ h) + tanh(M @ (h * 0.5) + W @ x)
}`],
  ]) {
    it(label, () => {
      const ir = customCell(cell);
      const p = planned(ir, true);
      expect(sums(p)).toEqual([prefixed(['A', 'B'])]);
      const [s] = summed(p);
      expect(s.into).toBe(s.nodes[0]);
      expectConsistentRewrite(p);
      expectMatchesReference(ir);
    });
  }
});

describe('custom cells: products summed but kept apart', () => {
  const cases: [string, string][] = [
    ['matrices of different shapes side by side (A: [4, 12], B: [8, 12], both times h)', `cell C(x: [in]) -> h: [12] {
  param W: [4, in]
  param A: [4, 12]
  param B: [8, 12]
  h' = concat(tanh(A @ h + W @ x), tanh(B @ h))
}`],
    ['matrices of one shape with another param between them in the arena', `cell C(x: [in]) -> h: [4] {
  param A: [4, 4]
  param G: [4, in]
  param B: [4, 4]
  h' = tanh(A @ h + G @ x) * sigmoid(B @ h)
}`],
    ['a sum that lives only in a fused loop (du = Aᵀ… + Bᵀ…, read only by tanh\'s gradient): no buffer to write', `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param A, B: [4, 4]
  u = tanh(h + W @ x)
  h' = tanh(A @ u) * sigmoid(B @ u)
}`],
    ['a partial sum that is also a state gradient (du = dh, then dc = du + Pᵀ…)', `cell C(x: [in]) -> (h: [4], c: [4]) {
  param W: [4, in]
  param A, B, P: [4, 4]
  u = h + c
  h' = tanh(A @ u) * sigmoid(B @ u)
  c' = tanh(P @ c + W @ x)
}`],
    ['a sum whose top adds a product to a partial sum of another term ((Aᵀ… + other) + Bᵀ…): nothing would compute the top', `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param A, B: [4, 4]
  h' = sigmoid(B @ h + W @ x) * tanh(A @ h + h)
}`],
    ['products of matrices that are themselves products ((P @ Q)ᵀ… + (R @ S)ᵀ…)', `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param P, R, Q, S: [4, 4]
  h' = tanh((P @ Q) @ h + (R @ S) @ h + W @ x)
}`],
    ['matrices of 3 × 3 (not a multiple of 4: not side by side in the arena)', `cell C(x: [in]) -> h: [3] {
  param W: [3, in]
  param A, B: [3, 3]
  h' = tanh(A @ h) * sigmoid(B @ h) + W @ x
}`],
  ];
  for (const [label, cell] of cases) {
    it(label, () => {
      const ir = customCell(cell);
      const p = planned(ir, true);
      expect(sums(p)).toEqual([]);
      expect(p.sched.elided.size).toBe(0);
      expect(p.sched.rewritten.size).toBe(0);
      expectMatchesReference(ir);
    });
  }
});
