// The workloads of the issue: P1 (char-LM training throughput, four cells) and P2 (sampling
// latency per token at batch 1). P3 (PTB, one epoch) is in ptb.ts; inference against ONNX
// Runtime (`ort`) in ort.ts.
import path from 'node:path';
import { buildCharVocab } from '../src/index.ts';
import { loadIR } from '../src/runtime/model.ts';
import { countFlops, peerForwardFlops } from './flops.ts';
import { BENCH } from './proc.ts';

export const TEXT = 'data/tinyshakespeare/input.txt';
export const E = 64;
export const B = 32;
export const T = 64;

export interface CharWorkload {
  id: string;
  kind: 'p1' | 'p2';
  title: string;
  /** The bench model file (relative to the repository root). */
  file: string;
  /** ../shared/peers cell name. */
  cell: 'lstm' | 'gru' | 'rnn';
  gates: number;
  H: number;
  /** Forward matrix-product FLOPs per token, counted from the graph. */
  forwardFlops: number;
  /** FLOPs per token of the workload: forward + backward (P1), forward only (P2). */
  flopsPerToken: number;
}

const model = (name: string) => path.relative(process.cwd(), path.join(BENCH, 'models', name));

const SPECS: Omit<CharWorkload, 'forwardFlops' | 'flopsPerToken'>[] = [
  { id: 'p1-lstm', kind: 'p1', title: 'P1 LSTM-256 train', file: model('p1-lstm.rnn'), cell: 'lstm', gates: 4, H: 256 },
  { id: 'p1-gru', kind: 'p1', title: 'P1 GRU-256 train', file: model('p1-gru.rnn'), cell: 'gru', gates: 3, H: 256 },
  { id: 'p1-elman', kind: 'p1', title: 'P1 Elman-tanh-256 train', file: model('p1-elman.rnn'), cell: 'rnn', gates: 1, H: 256 },
  { id: 'p1-lstm512', kind: 'p1', title: 'P1 LSTM-512 train', file: model('p1-lstm.rnn'), cell: 'lstm', gates: 4, H: 512 },
  { id: 'p2', kind: 'p2', title: 'P2 LSTM-256 step, batch 1', file: model('p1-lstm.rnn'), cell: 'lstm', gates: 4, H: 256 },
];

export const WORKLOAD_IDS = [...SPECS.map((s) => s.id), 'ort', 'p3', 'browser'];

/**
 * The char workloads with their FLOPs counted from the compiled graph; throws if a count
 * differs from the peers' formula (forward 2·gates·H·(E+H) + 2·H·V, training 3× forward).
 */
export function charWorkloads(text: string): CharWorkload[] {
  const V = buildCharVocab(text).size;
  return SPECS.map((s) => {
    const { ir } = loadIR(s.file, { dims: { vocab: V, hidden: s.H } });
    const f = countFlops(ir);
    const formula = peerForwardFlops(s.gates, E, s.H, V);
    if (f.forward !== formula || f.backward !== 2 * formula) {
      throw new Error(`${s.id}: FLOPs per token counted from the graph (forward ${f.forward}, backward ${f.backward}) differ from the peers' formula (forward ${formula}, backward ${2 * formula})`);
    }
    return { ...s, forwardFlops: f.forward, flopsPerToken: s.kind === 'p1' ? f.forward + f.backward : f.forward };
  });
}
