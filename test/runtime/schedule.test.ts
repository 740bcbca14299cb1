// Learning-rate schedules (constant, Zaremba's decay, the PyTorch example's plateau rule,
// ReduceLROnPlateau's patience) and early stopping.
import { describe, expect, it } from 'vitest';
import { EarlyStopping, LrSchedule, PYTORCH_PLATEAU, ScheduleError, ZAREMBA_DECAY, type ScheduleSpec } from '../../src/runtime/optim/schedule.ts';

/** The rates of epochs 1..n when every epoch ends with the given validation losses. */
function rates(s: LrSchedule, losses: (number | undefined)[]): number[] {
  const out = [s.lr];
  for (const l of losses) out.push(s.endEpoch(l));
  return out;
}

describe('LrSchedule', () => {
  it('constant: lr₀ for every epoch, whatever the validation loss', () => {
    const s = new LrSchedule(0.02);
    expect(rates(s, [5, 6, 7, 8, undefined])).toEqual([0.02, 0.02, 0.02, 0.02, 0.02, 0.02]);
    expect(s.state().epoch).toBe(5);
  });

  it('Zaremba decay: epochs 1–4 at lr₀, epoch 5 at lr₀/2, epoch 6 at lr₀/4, …', () => {
    const s = new LrSchedule(1, ZAREMBA_DECAY);
    // TF ptb_word_lm.py: lr_decay ** max(i + 1 - max_epoch, 0) for 0-based epoch i, max_epoch 4.
    const tf = Array.from({ length: 8 }, (_, i) => 0.5 ** Math.max(i + 1 - 4, 0));
    expect(tf).toEqual([1, 1, 1, 1, 0.5, 0.25, 0.125, 0.0625]);
    expect(rates(s, [1, 1, 1, 1, 1, 1, 1])).toEqual(tf);
    const t = new LrSchedule(1, ZAREMBA_DECAY);
    expect([1, 2, 3, 4, 5, 6].map((e) => t.lrFor(e))).toEqual([1, 1, 1, 1, 0.5, 0.25]);
  });

  it('decay with another base rate, factor and start (Zaremba large: 1/1.15 after 14)', () => {
    const s = new LrSchedule(1, { kind: 'decay', factor: 1 / 1.15, after: 14 });
    const r = rates(s, new Array(16).fill(undefined));
    for (let e = 1; e <= 14; e++) expect(r[e - 1]).toBe(1);
    expect(r[14]).toBeCloseTo(1 / 1.15, 14);
    expect(r[15]).toBeCloseTo(1 / 1.15 ** 2, 14);
    const z = new LrSchedule(0.8, { kind: 'decay', factor: 0.5, after: 0 });
    expect(rates(z, [undefined, undefined])).toEqual([0.4, 0.2, 0.1]);
  });

  it('cosine: lr₀ at the start, half way between lr₀ and lr₀·final at the middle, lr₀·final at the end; epochs do not move it', () => {
    const s = new LrSchedule(0.002, { kind: 'cosine', final: 0.1 });
    expect(s.lr).toBe(0.002);
    expect(s.lrAt(0)).toBe(0.002);
    expect(s.lrAt(0.5)).toBeCloseTo(0.0011, 15); // (0.002 + 0.0002) / 2
    expect(s.lrAt(1)).toBeCloseTo(0.0002, 15);
    expect(s.lrAt(0.25)).toBeCloseTo(0.002 * (0.1 + (0.9 * (1 + Math.SQRT1_2)) / 2), 15);
    expect(s.lrAt(2)).toBe(s.lrAt(1)); // clamped to the budget
    const grid = Array.from({ length: 11 }, (_, k) => s.lrAt(k / 10));
    grid.slice(1).forEach((r, k) => expect(r).toBeLessThan(grid[k])); // falls all the way
    expect(s.advance(0.5)).toBe(s.lrAt(0.5));
    expect(s.endEpoch(3)).toBe(s.lrAt(0.5)); // an epoch end leaves the per-step rate alone
    expect(s.state()).toEqual({ epoch: 1, lr: s.lrAt(0.5), best: null, bad: 0, progress: 0.5 });
    const t = new LrSchedule(0.002, { kind: 'cosine', final: 0.1 });
    t.load(JSON.parse(JSON.stringify(s.state())));
    expect(t.state()).toEqual(s.state());
    expect(new LrSchedule(1, { kind: 'cosine', final: 0 }).lrAt(1)).toBeCloseTo(0, 15);
    expect(new LrSchedule(1, { kind: 'decay', factor: 0.5, after: 0 }).advance(0.9)).toBe(0.5); // other schedules ignore progress
    expect(() => new LrSchedule(1, { kind: 'cosine', final: 1.5 })).toThrow(/final rate must be a fraction/);
    expect(() => t.load({ epoch: 0, lr: 1, best: null, bad: 0, progress: 2 })).toThrow(ScheduleError);
  });

  it('plateau (PyTorch example, factor 1/4, patience 0): divides after each epoch that does not improve', () => {
    const s = new LrSchedule(20, PYTORCH_PLATEAU);
    // losses: better, better, worse, better than best, equal to best (not better), NaN.
    expect(rates(s, [5.0, 4.8, 4.9, 4.7, 4.7, NaN])).toEqual([20, 20, 20, 5, 5, 1.25, 0.3125]);
    expect(s.state().best).toBe(4.7);
  });

  it('plateau with patience p: divides once p + 1 epochs in a row failed, then counts again', () => {
    const s = new LrSchedule(1, { kind: 'plateau', factor: 0.5, patience: 2 });
    // 1: best; 2, 3: bad (2 < 3); 4: third bad → halve, counter 0; 5: bad; 6: improves; 7, 8, 9: bad → halve.
    expect(rates(s, [3, 3.1, 3.2, 3.3, 3.05, 2.9, 3, 3, 3])).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]);
  });

  it('plateau: a missing validation loss counts as no improvement; threshold and minLr', () => {
    const s = new LrSchedule(1, { kind: 'plateau', factor: 0.5 });
    expect(rates(s, [undefined])).toEqual([1, 0.5]);
    // Relative threshold 0.01: 4.97 is not < 5·0.99 = 4.95, so it is not an improvement.
    const t = new LrSchedule(1, { kind: 'plateau', factor: 0.5, threshold: 0.01, minLr: 0.3 });
    expect(rates(t, [5, 4.97, 4.9, 4.89, 4.8])).toEqual([1, 1, 0.5, 0.5, 0.3, 0.3]);
  });

  it('state / load round trip: a resumed schedule continues with the same rates', () => {
    const specs: ScheduleSpec[] = [{ kind: 'constant' }, ZAREMBA_DECAY, PYTORCH_PLATEAU, { kind: 'plateau', factor: 0.5, patience: 1 }];
    const losses = [5, 4, 4.5, 4.6, 3.9, 4.0, 4.1, 4.2];
    for (const spec of specs) {
      const a = new LrSchedule(1, spec);
      for (const l of losses.slice(0, 4)) a.endEpoch(l);
      const saved = JSON.parse(JSON.stringify(a.state()));
      const rest = losses.slice(4).map((l) => a.endEpoch(l));
      const b = new LrSchedule(1, spec);
      b.load(saved);
      expect(b.lr).toBe(saved.lr);
      expect(b.state().epoch).toBe(4);
      expect(losses.slice(4).map((l) => b.endEpoch(l)), spec.kind).toEqual(rest);
      expect(b.state()).toEqual(a.state());
    }
    // The patience counter is part of the state: without it the plateau rule would wait again.
    const p = new LrSchedule(1, { kind: 'plateau', factor: 0.5, patience: 1 });
    p.endEpoch(3);
    p.endEpoch(4); // bad = 1
    const q = new LrSchedule(1, { kind: 'plateau', factor: 0.5, patience: 1 });
    q.load(p.state());
    expect(q.endEpoch(4)).toBe(0.5);
  });

  it('state() is a copy', () => {
    const s = new LrSchedule(1, PYTORCH_PLATEAU);
    const st = s.state();
    st.lr = 99;
    expect(s.lr).toBe(1);
  });

  it('bad specs and states throw ScheduleError', () => {
    expect(() => new LrSchedule(0)).toThrow(ScheduleError);
    expect(() => new LrSchedule(-1)).toThrow(/learning rate must be a positive number/);
    expect(() => new LrSchedule(NaN)).toThrow(ScheduleError);
    expect(() => new LrSchedule(1, { kind: 'decay', factor: 0, after: 4 })).toThrow(/decay factor/);
    expect(() => new LrSchedule(1, { kind: 'decay', factor: 1.5, after: 4 })).toThrow(/decay factor/);
    expect(() => new LrSchedule(1, { kind: 'decay', factor: 0.5, after: 2.5 })).toThrow(/after/);
    expect(() => new LrSchedule(1, { kind: 'decay', factor: 0.5, after: -1 })).toThrow(/after/);
    expect(() => new LrSchedule(1, { kind: 'plateau', factor: 4 })).toThrow(/use 0.25/);
    expect(() => new LrSchedule(1, { kind: 'plateau', factor: 1 })).toThrow(ScheduleError);
    expect(() => new LrSchedule(1, { kind: 'plateau', factor: 0.5, patience: -1 })).toThrow(/patience/);
    expect(() => new LrSchedule(1, { kind: 'plateau', factor: 0.5, threshold: 1 })).toThrow(/threshold/);
    expect(() => new LrSchedule(1, { kind: 'onecycle' } as unknown as ScheduleSpec)).toThrow(/unknown schedule 'onecycle'/);
    const s = new LrSchedule(1);
    expect(() => s.load({ epoch: -1, lr: 1, best: null, bad: 0 })).toThrow(/malformed schedule state/);
    expect(() => s.load({ epoch: 1, lr: 0, best: null, bad: 0 })).toThrow(ScheduleError);
    expect(() => s.load({ epoch: 1, lr: 1, best: 'x' as unknown as number, bad: 0 })).toThrow(ScheduleError);
    expect(() => s.load(null as never)).toThrow(ScheduleError);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` evaluations in a row without improvement', () => {
    const es = new EarlyStopping(2);
    expect(es.update(5)).toEqual({ improved: true, stop: false });
    expect(es.update(4)).toEqual({ improved: true, stop: false });
    expect(es.update(4.5)).toEqual({ improved: false, stop: false });
    expect(es.update(3.9)).toEqual({ improved: true, stop: false }); // the counter restarts
    expect(es.update(3.9)).toEqual({ improved: false, stop: false }); // equal is not better
    expect(es.update(NaN)).toEqual({ improved: false, stop: true });
    expect(es.state()).toEqual({ best: 3.9, bestEpoch: 4, bad: 2, epoch: 6 });
  });

  it('any decrease improves; patience 1 stops at the first evaluation that does not improve', () => {
    const es = new EarlyStopping(1);
    expect(es.update(5).improved).toBe(true);
    expect(es.update(4.999)).toEqual({ improved: true, stop: false });
    expect(es.update(4.999)).toEqual({ improved: false, stop: true });
  });

  it('state / load round trip', () => {
    const a = new EarlyStopping(3);
    for (const l of [5, 4, 4.2, 4.3]) a.update(l);
    const b = new EarlyStopping(3);
    b.load(JSON.parse(JSON.stringify(a.state())));
    expect(b.state()).toMatchObject({ best: 4, bestEpoch: 2 });
    expect(b.update(4.1)).toEqual({ improved: false, stop: true });
    expect(a.update(4.1)).toEqual({ improved: false, stop: true });
    expect(b.state()).toEqual(a.state());
  });

  it('bad arguments throw', () => {
    expect(() => new EarlyStopping(0)).toThrow(/patience must be an integer ≥ 1/);
    expect(() => new EarlyStopping(1.5)).toThrow(ScheduleError);
    expect(() => new EarlyStopping(2).load({ best: null, bestEpoch: -1, bad: 0, epoch: 0 })).toThrow(ScheduleError);
  });
});
