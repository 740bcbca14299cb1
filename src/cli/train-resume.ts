// `rnnc train --resume DIR`: the checkpoint fixes the data, model and hyper-parameters. An
// option given again with the run's own value is accepted; a different value is refused,
// naming each option, the value given and the run's.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CheckpointConfig } from '../runtime/train/checkpoint.ts';

/** The options --resume cannot change, with the value the run has for each. */
function runValues(c: CheckpointConfig, bundled: string): Record<string, unknown> {
  const d = c.data;
  const t = c.train;
  const sched = t?.schedule;
  return {
    data: d ? (d.train ?? bundled) : undefined,
    valid: d?.valid ?? undefined,
    split: d?.split ?? undefined,
    level: d?.kind,
    minCount: d?.minCount,
    maxVocab: d?.maxVocab ?? undefined,
    batch: t?.batch,
    bptt: t?.bptt,
    optimizer: t?.optimizer,
    lr: t?.lr,
    clip: t?.clip,
    weightDecay: t?.weightDecay,
    momentum: t?.hyper.momentum,
    nonmono: t ? (t.nonmono ?? 5) : undefined, // older checkpoints: the default
    lossScale: t?.lossScale,
    lrSchedule: sched?.kind,
    lrDecay: sched && sched.kind !== 'constant' ? sched.factor : undefined,
    decayAfter: sched?.kind === 'decay' ? sched.after : undefined,
    seed: t?.seed,
    initScale: c.initScale ?? undefined,
  };
}

const flag = (k: string) => '--' + k.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase());
const show = (v: unknown) => (v === undefined ? 'none recorded' : typeof v === 'string' ? v : JSON.stringify(v));

/** "--batch 8 (the run has 4)" for each option given on the command line with another value than the run's. */
export function changedOptions(o: Record<string, unknown>, cmd: Command, config: CheckpointConfig, bundled: string): string[] {
  const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  const run = runValues(config, bundled);
  const changes: string[] = [];
  for (const [k, has] of Object.entries(run)) {
    if (!given(k)) continue;
    const value = k === 'data' || k === 'valid' ? resolve(String(o[k])) : o[k];
    if (value !== has) changes.push(`${flag(k)} ${show(o[k])} (the run has ${show(has)})`);
  }
  if (given('dims')) {
    for (const [k, v] of o.dims as Map<string, number>) {
      const has = config.model.dims[k];
      if (v !== has) changes.push(`--dims ${k}=${v} (the run has ${has === undefined ? `no dim ${k}` : `${k}=${has}`})`);
    }
  }
  return changes;
}
