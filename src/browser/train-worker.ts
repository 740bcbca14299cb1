// Training off the page's thread: dist/browser/train-worker.mjs, a module worker that compiles a
// model from .rnn text, trains it and posts each step's loss, so the page stays responsive and
// draws the curve as it falls. It imports the browser build beside it (./rnnc.mjs: the build
// keeps it external), so a page that also imports rnnc loads the library once.
//   const w = new Worker(new URL('train-worker.mjs', rnncUrl), { type: 'module' });
//   w.postMessage({ type: 'train', source, text, dims, options });  // then 'stop', 'sample'
import { buildCharVocab, compileText, kernels, shippedModels, type LanguageModel, type StepInfo } from './index.ts';

/** What the page sends. */
export type TrainWorkerRequest =
  | { type: 'train'; source: string; file?: string; text: string; dims?: Record<string, number>; options: { batch: number; bptt: number; lr: number; minutes?: number; steps?: number; seed?: number } }
  | { type: 'stop' }
  | { type: 'sample'; prompt: string; length: number; temperature: number; seed: number };

/** What the worker posts back: `ready` once loaded, then per request. */
export type TrainWorkerReply =
  | { type: 'ready'; kernels: string; source: string }
  | { type: 'step'; step: number; loss: number; tokensPerS: number; seconds: number }
  | { type: 'done'; reason: string; steps: number }
  | { type: 'sampled'; text: string }
  | { type: 'error'; message: string };

// The worker's global scope, as far as it is used (tsc here has no WebWorker library).
interface Scope {
  postMessage(reply: TrainWorkerReply): void;
  onmessage: ((event: { data: TrainWorkerRequest }) => void) | null;
}
const scope = globalThis as unknown as Scope;

let model: LanguageModel | null = null;
let stopping = false;
let training = false;

async function train(req: Extract<TrainWorkerRequest, { type: 'train' }>): Promise<void> {
  stopping = false;
  training = true;
  try {
    const vocab = buildCharVocab(req.text);
    model = compileText(req.source, { file: req.file ?? 'model.rnn', vocab, dims: req.dims }).init(0);
    let steps = 0;
    const o = req.options;
    const result = await model.train({ train: req.text }, { batch: o.batch, bptt: o.bptt, lr: o.lr, minutes: o.minutes, steps: o.steps, seed: o.seed ?? 0 }, {
      onStep: (s: StepInfo) => {
        steps++;
        scope.postMessage({ type: 'step', step: s.step, loss: s.loss, tokensPerS: s.tokensPerS, seconds: s.seconds });
      },
      // A 'stop' is received while training yields to the event loop (a few times a second).
      shouldStop: () => stopping,
    });
    scope.postMessage({ type: 'done', reason: result.reason, steps });
  } finally {
    training = false;
  }
}

function sample(req: Extract<TrainWorkerRequest, { type: 'sample' }>): void {
  if (!model) throw new Error('nothing to sample from: train a model first');
  // The model was given a vocabulary (train's), so the sample has a text.
  scope.postMessage({ type: 'sampled', text: model.sample({ prompt: req.prompt, length: req.length, temperature: req.temperature, seed: req.seed }).text ?? '' });
}

scope.onmessage = ({ data }) => {
  const fail = (e: unknown) => scope.postMessage({ type: 'error', message: String((e as Error)?.message ?? e) });
  try {
    if (data.type === 'stop') stopping = true;
    else if (data.type === 'sample') sample(data);
    else if (data.type === 'train') {
      if (training) throw new Error('already training: stop first');
      train(data).catch(fail);
    }
  } catch (e) {
    fail(e);
  }
};
scope.postMessage({ type: 'ready', kernels: kernels(), source: shippedModels['char-lstm.rnn'] });
