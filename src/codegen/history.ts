// Offset lookups (`E[token@-2]`, and look-ahead models run late: graph/unroll.ts) read tokens before the window: generated code keeps the
// last H tokens of each stream as one more carried state (the token id + 1, so that the zero
// state a stream starts from means "before the start": the pad, whose embedding is a zero row).
import type { GNode } from '../graph/types.ts';
import { compilerTemp } from './names.ts';

/** How many tokens before the window the graph reads (a lookup's, or a delayed target's offset); 0: none. */
export function historyLength(nodes: readonly GNode[]): number {
  let h = 0;
  for (const n of nodes) if ((n.attrs.offset ?? 0) < 0) h = Math.max(h, -n.attrs.offset!);
  return h;
}

/** The name of the carried history in the layout and in checkpoints. */
export const HISTORY_STATE = 'token@history';

export const HIST = compilerTemp('history');
export const HIST_AT = compilerTemp('historyAt');
export const XTOK = compilerTemp('tokensX');
export const XW = compilerTemp('TX');

/** Declarations: the carried history, the window's tokens with the history in front, the history after step t. */
export function historyDecls(H: number): string[] {
  return [
    `// token history: the last ${H} tokens before the window, as id + 1 (0 = before the stream's start: the pad, a zero row)`,
    `const ${HIST} = alloc(B * ${H}), ${HIST_AT} = alloc(B * ${H});`,
    `const ${XW} = ${H} + T1; // a row of ${XTOK}: the history, then the window's T + 1 tokens`,
    `const ${XTOK} = new Int32Array(B * ${XW});`,
  ];
}

/** In run(): the window's tokens behind the carried history (pads as -1); a state set from outside is checked. */
export function historyFill(H: number, vocab: number): string[] {
  return [
    `for (let b = 0; b < B; b++) {`,
    `  for (let i = 0; i < ${H}; i++) {`,
    `    const $hv = ${HIST}[b * ${H} + i];`,
    `    if (!($hv >= 0 && $hv <= ${vocab} && $hv === Math.floor($hv))) throw new RangeError('the carried token history holds ' + $hv + ', not a token id + 1 in [0, ${vocab}]');`,
    `    ${XTOK}[b * ${XW} + i] = $hv - 1;`,
    `  }`,
    `  for (let i = 0; i < T1; i++) ${XTOK}[b * ${XW} + ${H} + i] = tokens[b * T1 + i];`,
    `}`,
  ];
}

/** The history after step t: the tokens read at steps t − H + 1 … t. */
export function historyAfter(H: number, into: string, t: string): string {
  return `for (let b = 0; b < B; b++) for (let i = 0; i < ${H}; i++) ${into}[b * ${H} + i] = ${XTOK}[b * ${XW} + ${t} + 1 + i] + 1;`;
}
