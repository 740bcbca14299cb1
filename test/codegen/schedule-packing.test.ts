// Which forward products pack into one GEMM (`W_k @ x` for matrices of one shape side by side
// in the arena, over the same operand), and which element-wise ops fuse into one loop (one
// length). Oracles: the cells' structure (which params multiply which operand, declared in
// which order) and the float64 reference interpreter on every model, so a wrong packing fails
// on the numbers and a missed one fails on the schedule.
import { describe, expect, it } from 'vitest';
import { emitModule } from '../../src/codegen/emit.ts';
import { all, cellModel, customCell, expectFusedOneLength, expectInferenceMatchesReference, expectInlinedExactly, expectMatchesReference, lone, packs, planned, type Planned } from './schedule-fixtures.ts';

const forward = (ir: Parameters<typeof planned>[0]): Planned => planned(ir, false);
const prefixed = (names: string[]) => names.map((n) => `h.${n}`);

describe('shipped cells: the products of one operand pack, in declaration order', () => {
  const cells: [file: string, cell: string, packed: string[][], apart: string[]][] = [
    // Four gates over x, four over h.
    ['lstm.rnn', 'LSTM', [['W_i', 'W_f', 'W_o', 'W_c'], ['U_i', 'U_f', 'U_o', 'U_c']], []],
    // Reset before the product: U_h multiplies r ⊙ h, not h.
    ['gru.rnn', 'GRU', [['W_z', 'W_r', 'W_h'], ['U_z', 'U_r']], ['U_h']],
    ['gru.rnn', 'GRUResetAfter', [['W_r', 'W_z', 'W_n'], ['U_r', 'U_z', 'U_n']], []],
    // U_h multiplies f ⊙ h.
    ['mgu.rnn', 'MGU', [['W_f', 'W_h']], ['U_f', 'U_h']],
    // One product per operand: nothing to pack.
    ['elman.rnn', 'Elman', [], ['W', 'U']],
  ];
  for (const [file, cell, packed, apart] of cells) {
    it(`${cell}: ${packed.map((p) => p.join('+')).join(', ') || 'no packed product'}`, () => {
      const p = forward(cellModel(file, cell, { embed: 4, hidden: 8 }));
      expect(packs(p)).toEqual(packed.map(prefixed));
      expect(lone(p).filter((m) => m.startsWith('h.')).sort()).toEqual(prefixed(apart).sort());
      for (const i of all(p.sched)) {
        if (i.kind !== 'packedGemm') continue;
        const nodes = p.plan.g.nodes;
        // One operand: x (the embedding lookup, over the whole window) or h (the state, step by step).
        for (const id of i.nodes) expect(nodes[id].inputs[1]).toBe(i.operand);
        expect(['gather', 'state0']).toContain(nodes[i.operand].op);
        expect(i.mode).toBe(nodes[i.operand].op === 'gather' ? 'window' : 'step');
        // The view is the stretch of the arena the matrices tile.
        const ps = i.nodes.map((id) => p.plan.paramName.get(p.plan.g.nodes[nodes[id].inputs[0]].attrs.name!)!);
        const v = p.sched.packViews.find((x) => x.view === i.view)!;
        expect([v.from, v.to]).toEqual([ps[0].offset, ps[0].offset + ps.length * ps[0].size]);
        ps.forEach((q, k) => expect(q.offset).toBe(ps[0].offset + k * ps[0].size));
      }
      expectFusedOneLength(p);
    });
  }
  it('the generated code of each equals the reference', () => {
    for (const [file, cell] of cells) expectMatchesReference(cellModel(file, cell, { embed: 4, hidden: 8 }));
  });
});

/** Cells at each guard of packing, where the products must stay apart. */
const apart: [label: string, cell: string, packed: string[][], lone: string[]][] = [
  [
    'matrices of different shapes side by side (A: [4, 12], B: [8, 12]) over the same h',
    `cell C(x: [in]) -> h: [12] {
  param W: [4, in]
  param A: [4, 12]
  param B: [8, 12]
  h' = concat(tanh(A @ h + W @ x), tanh(B @ h))
}`,
    [],
    ['W', 'A', 'B'],
  ],
  [
    'matrices of one shape over the same h with another param between them in the arena',
    `cell C(x: [in]) -> h: [4] {
  param A: [4, 4]
  param G: [4, in]
  param B: [4, 4]
  h' = tanh(A @ h + G @ x) * sigmoid(B @ h)
}`,
    [],
    ['A', 'G', 'B'],
  ],
  [
    'matrices of one shape side by side over different operands (h and c)',
    `cell C(x: [in]) -> (h: [4], c: [4]) {
  param W: [4, in]
  param A, B: [4, 4]
  h' = tanh(A @ h) * sigmoid(B @ c) + W @ x
  c' = tanh(h)
}`,
    [],
    ['W', 'A', 'B'],
  ],
  [
    'matrices of 3 × 3 (9 entries, not a multiple of 4: the next one starts 3 entries later)',
    `cell C(x: [in]) -> h: [3] {
  param W: [3, in]
  param A, B: [3, 3]
  h' = tanh(A @ h) * sigmoid(B @ h) + W @ x
}`,
    [],
    ['W', 'A', 'B'],
  ],
  [
    'a product followed by a non-product reading the same h (concat(A @ h, h))',
    `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param A: [4, 4]
  param V2: [4, 8]
  h' = tanh(V2 @ concat(A @ h, h) + W @ x)
}`,
    [],
    ['W', 'A', 'V2'],
  ],
  [
    'products of matrices that are themselves products ((P @ Q) @ h + (R @ S) @ h, P and R side by side)',
    `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param P, R, Q, S: [4, 4]
  h' = tanh((P @ Q) @ h + (R @ S) @ h + W @ x)
}`,
    [],
    ['W'],
  ],
  [
    'non-products of params side by side over the same h (concat(p, h), concat(q, h)): nothing to pack',
    `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param p, q: [4]
  param V2, V3: [4, 8]
  a = concat(p, h)
  b = concat(q, h)
  h' = tanh(V2 @ a + V3 @ b + W @ x)
}`,
    [],
    ['W', 'V2', 'V3'],
  ],
  [
    'states whose next values come from the params alone (p\' = U1 @ s, q\' = U2 @ s, s = tanh(b)): one operand row for the whole batch, no packed GEMM over B rows',
    `cell C(x: [in]) -> (h: [4], p: [4], q: [4]) {
  param W: [4, in]
  param U1, U2: [4, 4]
  param b: [4]
  s = tanh(b)
  p' = U1 @ s
  q' = U2 @ s
  h' = tanh(W @ x + p * q + h)
}`,
    [],
    ['W', 'U1', 'U2'],
  ],
  [
    'element-wise ops of different lengths next to each other (tanh of 4, sigmoid of 6)',
    `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param A: [4, 4]
  param B: [6, 4]
  param V2: [4, 10]
  h' = tanh(V2 @ concat(tanh(A @ h), sigmoid(B @ h)) + W @ x)
}`,
    [],
    ['W', 'A', 'B', 'V2'],
  ],
  [
    'the same shapes side by side over one operand: packed (the control for the cases above)',
    `cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param A, B: [4, 4]
  h' = tanh(A @ h) * sigmoid(B @ h) + W @ x
}`,
    [['A', 'B']],
    ['W'],
  ],
];

describe('products that must not pack, and fused loops of one length', () => {
  for (const [label, cell, packed, single] of apart) {
    it(label, () => {
      const ir = customCell(cell);
      for (const backward of [false, true]) {
        const p = planned(ir, backward);
        expect(packs(p)).toEqual(packed.map(prefixed));
        expectFusedOneLength(p);
        if (!backward) expect(lone(p).filter((m) => m.startsWith('h.')).sort()).toEqual(prefixed(single).sort());
      }
      expectMatchesReference(ir);
    });
  }
});

describe('values without a buffer', () => {
  it('values read only inside their fused loop live in locals (GRU, MGU, Elman: training and inference)', () => {
    for (const [f, c] of [['gru.rnn', 'GRU'], ['mgu.rnn', 'MGU'], ['elman.rnn', 'Elman']])
      for (const backward of [false, true]) expectInlinedExactly(planned(cellModel(f, c, { embed: 4, hidden: 8 }), backward));
  });
  it('the operand of a transposed product in the loop keeps its buffer (inference: nothing else reads it)', () => {
    const ir = customCell(`cell C(x: [in]) -> h: [4] {
  param W: [4, in]
  param M: [4, 4]
  u = tanh(h) * 0.5
  h' = tanh(M^T @ u + W @ x)
}`);
    const p = planned(ir, false);
    const t = [...p.plan.transposedMatmul];
    expect(t).toHaveLength(1);
    const operand = p.plan.g.nodes[t[0]].inputs[1];
    expect(all(p.sched).some((i) => i.kind === 'fused' && i.nodes.includes(operand))).toBe(true);
    expect(p.sched.inlined.has(operand)).toBe(false);
    expectInlinedExactly(p);
    expectInferenceMatchesReference(ir);
    expectMatchesReference(ir);
  });
  it('weight and embedding gradient terms accumulate straight into the arena, never through a buffer (LSTM)', () => {
    const p = planned(cellModel('lstm.rnn', 'LSTM', { embed: 4, hidden: 8 }), true);
    const js = emitModule(p.plan);
    const fused = [...p.plan.accumulate].filter(([, a]) => a.every((x) => x.how !== 'sum'));
    expect(fused.map(([id]) => p.plan.g.nodes[id].op).sort()).toEqual([...Array(9).fill('outer'), 'scatter_row']);
    expect(js).toContain('k.accOuter(');
    expect(js).toContain('k.accScatter(');
    expect(js).not.toMatch(/k\.outer\(|k\.scatter\(/);
  });
});
