// `rnnc lecture`: the whole table, stage by stage. After every stage the report (report.md,
// results.json, the SVGs) is rewritten, so an interrupted run leaves what it finished.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { plot, table, type Labelled } from '../diagnose/report.ts';
import type { NgramModel } from '../ngram/model.ts';
import { readCorpus } from '../runtime/data/corpus.ts';
import { prepareData } from '../runtime/data/prepare.ts';
import { curveSvg } from '../runtime/curve.ts';
import { writeSlice, type SplitFiles } from './data.ts';
import { fmtMinutes, plannedOverhead, type Plan, rebudget, STAGES } from './plan.ts';
import { emptyRow, markdownReport, resultsJson, textTable, type ReportInput, type Row } from './report.ts';
import { runMix, runNeural, runNgram, type NeuralResult, type Say } from './stages.ts';

export interface LectureOptions {
  files: SplitFiles;
  out: string;
  plan: Plan;
  command: string;
  budget: string;
  /** Where models/ is (the package). */
  modelsDir: string;
  say: Say;
  /** True once the user asked to stop (Ctrl-C). */
  stop: () => boolean;
}

export interface LectureResult {
  rows: Row[];
  finished: boolean;
  table: string;
}

/** --quick's slice: 20k training tokens, 5k of valid and test. */
export const QUICK_SLICE = { train: 20_000, other: 5_000 };

const tick = () => new Promise((r) => setImmediate(r));

export async function runLecture(o: LectureOptions): Promise<LectureResult> {
  const t0 = performance.now();
  const started = new Date();
  mkdirSync(join(o.out, 'plots'), { recursive: true });
  const files = o.plan.quick ? writeSlice(o.files, join(o.out, 'data'), QUICK_SLICE) : o.files;
  const say = o.say;
  say(`reading ${files.train}, ${files.valid}, ${files.test}`);
  const data = prepareData({ kind: 'word', train: files.train, valid: files.valid, split: null, minCount: 1, maxVocab: null });
  const texts = { valid: readCorpus(files.valid, 'validation text'), test: readCorpus(files.test, 'test text') };
  const testIds = data.vocab.encode(texts.test, files.test);
  say(`${data.train.length.toLocaleString('en-US')} training tokens, ${data.valid!.length.toLocaleString('en-US')} valid, ${testIds.length.toLocaleString('en-US')} test; vocabulary ${data.vocab.size.toLocaleString('en-US')}`);
  if (!o.plan.quick) say(`budget ${o.budget}: about ${fmtMinutes(o.plan.neuralSeconds!)} of training for each neural model (re-planned before each from the time left), ~${fmtMinutes(o.plan.reserved)} for the rest`);

  const rows: Row[] = STAGES.map((s) => emptyRow(s, 'not run', ''));
  const neural = new Map<string, NeuralResult>();
  const diag: { init: Labelled[]; trained: Labelled[] } = { init: [], trained: [] };
  const figures: ReportInput['figures'] = [];
  let kn5: NgramModel | null = null;
  let finished = false;
  const notes = [
    `Perplexities are exp of the mean NLL per token on ${o.plan.quick ? `a slice of PTB (the first ${QUICK_SLICE.train.toLocaleString('en-US')} training tokens, ${QUICK_SLICE.other.toLocaleString('en-US')} of valid and test)` : 'the standard PTB split'}, the vocabulary that of the training text (${data.vocab.size.toLocaleString('en-US')} words with <eos>), <eos> at each line end.`,
    'n-grams are scored as `rnnc ngram eval` scores (one stream, tokens 1…N−1); neural models as `rnnc train` validates (16 streams, state carried); the mix on one stream, as `rnnc eval --mix --mix-tune`.',
    `Neural models: Zaremba et al.'s small settings (sgd lr ${o.plan.settings.lr} (Elman: ${STAGES.find((s) => s.id === 'elman')?.lr}, as lr 1 blows it up), clip ${o.plan.settings.clip}, summed loss, batch ${o.plan.settings.batch} × bptt ${o.plan.settings.bptt}, init uniform(${o.plan.settings.initScale})), ${o.plan.quick ? `${o.plan.neuralSteps} steps each, models shrunk to ${[...o.plan.settings.dims].map(([k, v]) => `${k} ${v}`).join(', ')} (--quick: a smoke test, not a result)` : `the same share of the time left each (the column "training"; the published runs trained 13 epochs)`}; the final weights are evaluated.`,
  ];

  const write = () => {
    const seconds = (performance.now() - t0) / 1000;
    // Rebuilt in a fixed order each time: the comparisons first, then each run's own curve.
    figures.length = 0;
    const curves = [...neural].map(([id, r]) => ({ name: id, points: r.curve.filter((c) => c.valid !== undefined).map((c) => ({ x: c.tokens, y: Math.exp(c.valid!) })) }));
    if (curves.length) {
      writeFileSync(join(o.out, 'plots', 'learning-curves.svg'), curveSvg(curves, { title: 'validation perplexity while training', xLabel: 'training tokens seen', yLabel: 'valid perplexity' }));
      figures.push({ path: 'plots/learning-curves.svg', caption: 'Learning curves (validation perplexity)' });
    }
    for (const at of ['init', 'trained'] as const) {
      if (!diag[at].length) continue;
      const path = `plots/gradients-${at}.svg`;
      writeFileSync(join(o.out, path), plot(diag[at]));
      figures.push({ path, caption: `‖∂J(t)/∂h(t−ℓ)‖ against ℓ, ${at === 'init' ? 'at initialisation' : 'after training'} (rnnc diagnose)` });
    }
    for (const [id, r] of neural) figures.push({ path: relative(o.out, join(r.checkpoint, 'curve.svg')), caption: `${id}: training and validation loss (nats/token)` });
    const all = [...diag.init, ...diag.trained];
    const input: ReportInput = { command: o.command, data: files.train.replace(/ptb\.train\.txt$/, ''), started, seconds, budget: o.budget, finished, rows, figures, diagnoseText: all.length ? table(all) : null, notes };
    writeFileSync(join(o.out, 'report.md'), markdownReport(input));
    writeFileSync(join(o.out, 'results.json'), resultsJson(input));
    writeFileSync(join(o.out, 'table.txt'), textTable(rows) + '\n');
  };

  for (const [i, stage] of STAGES.entries()) {
    await tick(); // lets a Ctrl-C that came during a synchronous stage be seen
    if (o.stop()) break;
    const row = rows[i];
    say(`[${i + 1}/${STAGES.length}] ${stage.label}`);
    const t = performance.now();
    if (stage.kind === 'ngram') {
      const r = runNgram(stage.order!, data, texts);
      if (stage.order === 5) kn5 = r.model;
      Object.assign(row, { status: 'done', params: r.ngrams, paramsUnit: 'n-grams', seconds: r.seconds, valid: r.valid, test: r.test, note: 'interpolated modified Kneser–Ney' });
    } else if (stage.kind === 'neural') {
      let p = o.plan;
      if (!p.quick) {
        // The time left, shared again: what the stages before took is known now.
        const left = p.budgetSeconds - (performance.now() - t0) / 1000;
        const neuralLeft = STAGES.slice(i).filter((s) => s.kind === 'neural').length;
        const done = [...neural.values()];
        const overhead = done.length ? done.reduce((a, r) => a + r.stageSeconds - r.seconds, 0) / done.length : plannedOverhead(p, stage.diagnose === true);
        p = { ...p, neuralSeconds: rebudget(left, neuralLeft, overhead) };
      }
      const r = await runNeural(stage, join(o.modelsDir, stage.model!), data, testIds, p, o.out, say, o.stop);
      if (!r) {
        row.note = 'interrupted while training';
        break;
      }
      r.stageSeconds = (performance.now() - t) / 1000;
      neural.set(stage.id, r);
      if (r.init) diag.init.push(r.init);
      if (r.trained) diag.trained.push(r.trained);
      Object.assign(row, { status: 'done', params: r.params, paramsUnit: 'parameters', seconds: r.seconds, valid: r.valid.perplexity, test: r.test.perplexity, checkpoint: r.checkpoint, note: `${r.steps} steps, ${(r.tokens / data.train.length).toFixed(2)} epochs${stage.lr !== undefined ? `, lr ${stage.lr}` : ''}` });
    } else {
      const best = [...neural].sort((a, b) => a[1].valid.loss - b[1].valid.loss)[0];
      if (!best || !kn5) {
        row.note = 'needs a neural model and KN5';
      } else {
        say(`  mixing ${best[0]} (best on valid) with KN5`);
        const r = runMix(best[0], best[1].model, kn5, texts);
        Object.assign(row, { status: 'done', seconds: r.seconds, mix: { of: best[0], weights: r.weights }, valid: r.valid, test: r.test, note: `${best[0]} λ=${r.weights[0].toFixed(3)} + KN5 ${r.weights[1].toFixed(3)}; alone on one stream: ${r.alone.neural.toFixed(2)} and ${r.alone.ngram.toFixed(2)}` });
        row.label = `${rows[STAGES.findIndex((s) => s.id === best[0])].label} + KN5 (λ tuned on valid)`;
      }
    }
    say(`  ${row.status}${row.valid !== null ? `: valid ${row.valid.toFixed(2)}, test ${row.test!.toFixed(2)}` : ''} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    if (i === STAGES.length - 1) finished = true;
    write();
  }
  write();
  return { rows, finished, table: textTable(rows) };
}
