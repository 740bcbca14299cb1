// A keyword is a whole word (issue 10): a name that merely starts with one (`gate_r`,
// `dimension`, `reverseElman`) is a name, never the keyword plus the rest.
import { describe, expect, it } from 'vitest';
import { diagnose, run, withCells } from '../check/helpers.ts';

const KEYWORDS = ['cell', 'model', 'use', 'param', 'gate', 'dim', 'loss', 'init', 'reverse'];

describe('keywords are whole words', () => {
  it('reads every keyword-prefixed name as a binding of that name', () => {
    const names = KEYWORDS.flatMap((k) => [`${k}_r`, `${k}s`, `${k}1`, `${k}X`]);
    const src = `cell C(x: [n]) -> h: [n] {\n${names.map((n) => `  ${n} = x\n`).join('')}  h' = ${names.join(' + ')}\n}\n`;
    const a = run(src);
    expect(a.diagnostics).toEqual([]);
    const cell = a.context.units[0];
    expect(names.every((n) => cell.symbols.get(n)?.kind === 'let')).toBe(true);
  });

  it('reads gate_r = … as a binding, not as a gate named _r', () => {
    const a = run(`cell C(x: [n]) -> h: [n] {\n  gate_r = x\n  h' = tanh(gate_r)\n}\n`);
    expect(a.diagnostics).toEqual([]);
    const stmt = a.context.units[0].decl.body[0];
    expect(stmt).toMatchObject({ kind: 'let', gate: false, name: { name: 'gate_r' } });
  });

  it('reads dimension = 3 as a binding (a dims-as-values error), not as a dim named ension', () => {
    const a = run(`model M {\n  dim vocab\n  param V: [vocab]\n  dimension = 3\n  loss cross_entropy(V, next)\n}\n`);
    expect(a.context.units[0].dims.has('ension')).toBe(false);
    expect(a.context.units[0].symbols.get('dimension')?.kind).toBe('let');
  });

  it('reads initial = … and loss_logits = … as bindings, not syntax errors', () => {
    expect(diagnose(`cell C(x: [n]) -> h: [n] {\n  initial = x\n  loss_logits = initial\n  h' = tanh(loss_logits)\n}\n`)).toEqual([]);
  });

  it('reads reverseElman(…) as a call of reverseElman, not a reversed Elman', () => {
    const found = diagnose(withCells(`model M {\n  dim vocab, e = 4\n  param E: [vocab, e]\n  param V: [vocab, e]\n  h = reverseElman(E[token], hidden = e)\n  loss cross_entropy(V @ h, next)\n}\n`));
    // withCells sees no `Elman(` call, so no cell is imported: the only problem is the unknown name.
    expect(found.map((d) => [d.code, d.message, d.text])).toEqual([['unknown-name', "unknown function or cell 'reverseElman'", 'reverseElman']]);
  });

  it('still reads the keywords themselves', () => {
    expect(diagnose(withCells(`model M {\n  dim vocab, e = 4\n  param E: [vocab, e]\n  param V: [vocab, e]\n  h = reverse Elman(E[token], hidden = e)\n  loss cross_entropy(V @ h, token)\n}\n`))).toEqual([]);
  });
});
