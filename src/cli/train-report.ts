// What `rnnc train` prints while it runs: a progress bar on a terminal, plain lines
// otherwise, or one JSON object per line.
import cliProgress from 'cli-progress';
import type { EpochInfo, StepInfo, ValidInfo } from '../runtime/train/trainer.ts';
import type { ResolvedTrainOptions } from '../runtime/train/train-options.ts';

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

/** The run's second line: batch and windows, optimizer, learning rate with its schedule, averaging, clipping, budget. */
export function planLine(o: ResolvedTrainOptions, stepsPerEpoch: number): string {
  const s = o.schedule;
  const sched = s.kind === 'decay' ? ` ×${s.factor} an epoch after epoch ${s.after}` : s.kind === 'plateau' ? ` ×${s.factor} after an epoch whose validation did not improve` : s.kind === 'cosine' ? ` on a half cosine to ${s.final}× at the budget's end` : '';
  const float32Epochs = o.bf16After > 0 ? ` after ${o.bf16After} epoch${o.bf16After === 1 ? '' : 's'} in float32` : '';
  const precision = o.matmul === 'bf16' ? `, bf16 products${float32Epochs}` : '';
  const window = o.averageWindow !== null ? ` (moving over ${o.averageWindow} epoch${o.averageWindow === 1 ? '' : 's'})` : '';
  const avg = o.averageAt !== null ? `, averaging from ${Math.round(o.averageAt * 100)} % of the budget${window}` : o.averageWindow !== null ? `, averaging${window}` : '';
  const budget = [o.epochs && `${o.epochs} epoch(s)`, o.steps && `${o.steps} steps`, o.minutes && `${o.minutes} min`].filter(Boolean).join(', ');
  const shifted = o.shiftWindows ? ' (windows shifted each epoch)' : '';
  return `batch ${o.batch} × bptt ${o.bptt}${shifted}: ${fmtInt(stepsPerEpoch)} steps per epoch; ${o.optimizer}${o.optimizer === 'nt-asgd' ? ` (nonmono ${o.nonmono})` : ''} lr ${o.lr}${sched}${avg}, clip ${o.clip || 'off'}${precision}; budget ${budget}; validation in ${o.evalBatch} streams`;
}

/** Progress on a terminal (a bar), as plain lines, or as JSON lines. */
export class Reporter {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  /** The bar's last values: a bar restarted after a message shows them, not its raw template. */
  private payload = { epoch: 1, step: 0, tps: '-', loss: '-' };
  private value = 0;

  constructor(
    private readonly mode: 'bar' | 'lines' | 'json',
    private readonly logEvery: number,
    /** 'char' or 'token': what the losses are per. */
    public unit: string,
    /** Where the bar is drawn (a terminal). */
    private readonly stream: NodeJS.WritableStream = process.stderr,
    /** Where lines go. */
    private readonly print: (line: string) => void = (line) => console.log(line),
    /** Lines mode: at most one progress line per this many ms (0 when --log-every was given: then every one). */
    private readonly minGapMs = 2000,
  ) {}

  start(): void {
    if (this.mode !== 'bar') return;
    this.bar = new cliProgress.SingleBar(
      {
        format: 'epoch {epoch} |{bar}| {percentage}% | step {step} | {tps} tok/s | loss {loss} | ETA {eta_formatted}',
        barsize: 24,
        hideCursor: true,
        etaBuffer: 50,
        stream: this.stream,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(1000, this.value, this.payload);
  }

  step(i: StepInfo): void {
    if (this.mode === 'bar') {
      this.payload = { epoch: i.epoch, step: i.step, tps: fmtInt(i.tokensPerS), loss: i.loss.toFixed(4) };
      this.value = Math.round(i.progress * 1000);
      this.bar!.update(this.value, this.payload);
      return;
    }
    if (i.step % this.logEvery !== 0 && i.step !== 1) return;
    if (this.mode === 'json') {
      this.emit({ step: i.step, epoch: i.epoch, loss: i.loss, lr: i.lr, grad_norm: i.gradNorm, tokens: i.tokens, tokens_per_s: Math.round(i.tokensPerS), seconds: +i.seconds.toFixed(2) });
    } else {
      const now = performance.now();
      if (i.step !== 1 && now - this.lastLine < this.minGapMs && i.epochStep !== i.epochSteps) return;
      this.lastLine = now;
      this.print(
        `epoch ${i.epoch} step ${i.step} (${i.epochStep}/${i.epochSteps}) loss ${i.loss.toFixed(4)} lr ${i.lr.toPrecision(3)} |g| ${i.gradNorm.toFixed(3)} ${fmtInt(i.tokensPerS)} tok/s ${fmtTime(i.seconds)}`,
      );
    }
  }

  valid(v: ValidInfo): void {
    const r = v.result;
    if (this.mode === 'json') {
      this.emit({ step: v.step, epoch: v.epoch, tokens: v.tokens, valid_loss: r.loss, valid_ppl: r.perplexity, valid_bits: r.bits, best: v.best, ...(v.averaged ? { averaged: true } : {}) });
      return;
    }
    this.say(`valid after step ${v.step} (epoch ${v.epoch})${v.averaged ? ', averaged weights' : ''}: loss ${r.loss.toFixed(4)} nats/${this.unit}, perplexity ${r.perplexity.toFixed(2)}, ${r.bits.toFixed(4)} bits/${this.unit}${v.best ? ' (best)' : ''}`);
  }

  /** JSON only: one line per epoch with the gradient norms per parameter and how often clipping fired. */
  epoch(epoch: number, info: EpochInfo): void {
    if (this.mode !== 'json') return;
    this.emit({ event: 'epoch', epoch, step: info.step, steps: info.steps, clipped: info.clipped, grad_norms: info.gradNorms });
  }

  /** The switch to averaging the weights (nt-asgd's trigger, or --average-at). */
  averaging(step: number, why: 'validation' | 'budget', nonmono: number, averageAt: number | null): void {
    if (this.mode === 'json') this.emit({ event: 'averaging', step, why });
    else {
      const cause = why === 'validation' ? `nt-asgd: validation is worse than the best before the last ${nonmono}` : `${Math.round((averageAt ?? 0) * 100)} % of the budget is spent (--average-at ${averageAt})`;
      this.say(`${cause}; averaging the weights from step ${step + 1} on (validation and checkpoints use the average)`);
    }
  }

  say(text: string): void {
    if (this.mode === 'json') return;
    if (this.bar) this.bar.stop();
    this.print(text);
    if (this.bar) this.bar.start(1000, this.value, this.payload);
  }

  emit(o: Record<string, unknown>): void {
    this.print(JSON.stringify(o));
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

