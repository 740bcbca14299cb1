// The progress bar of `rnnc train` on a terminal: a message in the middle of a run (Ctrl-C's
// "interrupted: saving…") redraws the bar with its values, never its raw template.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../src/cli/train-report.ts';

/** A terminal that records what is drawn on it. */
function terminal(): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
  let out = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    }),
    { isTTY: true, columns: 120 },
  );
  return { stream, text: () => out };
}

describe('the progress bar', () => {
  it('after a message, shows the epoch and step it had, not "{epoch}" and "{step}"', () => {
    const t = terminal();
    const lines: string[] = [];
    const rep = new Reporter('bar', 10, 'char', t.stream, (l) => lines.push(l));
    rep.start();
    rep.step({ step: 7, epoch: 2, epochStep: 3, epochSteps: 10, loss: 1.5, gradNorm: 1, lr: 1e-3, tokens: 100, tokensPerS: 1234, seconds: 1, progress: 0.35 });
    rep.say('interrupted: saving a checkpoint (Ctrl-C again to quit without it)…');
    rep.stop();
    expect(lines).toEqual(['interrupted: saving a checkpoint (Ctrl-C again to quit without it)…']);
    const drawn = t.text();
    expect(drawn).not.toMatch(/\{(epoch|step|tps|loss)\}/);
    // The last drawing of the bar (after the message) carries the values.
    const last = drawn.slice(drawn.lastIndexOf('epoch '));
    expect(last).toMatch(/^epoch 2 \|.*\| 35% \| step 7 \| 1,234 tok\/s \| loss 1\.5000/);
  });
});
