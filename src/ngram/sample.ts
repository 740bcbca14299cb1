// Generating text from an n-gram model: start a sentence (or continue a prompt), draw each
// next word from p(· | context) — with rnnc sample's temperature, top-k, top-p and greedy
// options (runtime/sample.ts, on ln p as logits) — and feed it back into the context.
import { Rng } from '../runtime/rng.ts';
import { Sampler, type SampleOptions } from '../runtime/sample.ts';
import type { NgramModel } from './model.ts';
import { NgramScorer } from './score.ts';

export interface NgramSampleOptions extends SampleOptions {
  /**
   * Text to continue (default: none, a new sentence). At word level a prompt that does not
   * end with a newline continues its last line: the `</s>` tokenisation puts there is dropped.
   */
  prompt?: string;
  /** Tokens to generate (default 200). */
  length?: number;
  seed?: number;
  /** Stop after the first `</s>`. */
  untilEos?: boolean;
}

export interface NgramSample {
  ids: number[];
  text: string;
}

export function sampleNgram(model: NgramModel, o: NgramSampleOptions = {}): NgramSample {
  const length = o.length ?? 200;
  if (!(Number.isInteger(length) && length >= 0)) throw new RangeError(`length must be a non-negative integer (got ${length})`);
  const v = model.vocab;
  let prompt = o.prompt ? Array.from(v.encode(o.prompt, 'prompt')) : [];
  if (v.level === 'word' && prompt.length > 0 && !o.prompt!.endsWith('\n') && prompt[prompt.length - 1] === v.eos) prompt = prompt.slice(0, -1);
  const scorer = new NgramScorer(model);
  for (const id of prompt) scorer.observe(id);
  const rng = new Rng(o.seed ?? 0);
  const sampler = new Sampler(v.size);
  const logits = new Float64Array(v.size);
  const p = new Float64Array(v.size);
  const ids: number[] = [];
  for (let i = 0; i < length; i++) {
    scorer.distribution(p);
    for (let w = 0; w < v.size; w++) logits[w] = p[w] > 0 ? Math.log(p[w]) : -Infinity;
    const id = sampler.sample(logits, o, rng);
    ids.push(id);
    scorer.observe(id);
    if (o.untilEos && id === v.eos) break;
  }
  return { ids, text: v.decode(ids) };
}
