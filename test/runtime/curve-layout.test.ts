// Where curveSvg draws each part, checked as geometry rather than as a picture: everything on
// the 720 × 420 canvas; grid and axes on the plot rectangle's edges; tick marks and labels
// outside it on their ticks; the legend's rows inside its box, top right inside the plot;
// title and axis labels centred on what they name. Plus the 1-2-5 steps at their boundaries.
import { describe, expect, it } from 'vitest';
import { curveSvg, niceTicks, tickLabels } from '../../src/runtime/curve.ts';

interface El {
  tag: string;
  group: string;
  cls: string;
  a: Record<string, number>;
  text: string;
}

/** The drawn elements, one per line as curveSvg writes them, with the group each sits in. */
function elements(svg: string): El[] {
  const out: El[] = [];
  let group = '';
  for (const line of svg.split('\n')) {
    const g = /^<g class="([^"]+)"/.exec(line);
    if (g) group = g[1];
    if (line === '</g>') group = '';
    const m = /^<(line|text|rect|polyline|circle)\b([^>]*)\/?>(?:([^<]*)<\/\1>)?/.exec(line);
    if (!m) continue;
    const a: Record<string, number> = {};
    for (const [, k, v] of m[2].matchAll(/([\w-]+)="([^"]*)"/g)) if (/^-?[\d.]+$/.test(v)) a[k] = Number(v);
    out.push({ tag: m[1], group, cls: /class="([^"]+)"/.exec(m[2])?.[1] ?? '', a, text: m[3] ?? '' });
  }
  return out;
}

const W = 720;
const H = 420;
const [L, R, T, B] = [72, 720 - 24, 44, 420 - 58]; // the plot rectangle
const SERIES = [
  { name: 'train', points: Array.from({ length: 30 }, (_, i) => ({ x: (i + 1) * 40_000, y: 3 * Math.exp(-i / 8) + 1.5 })) },
  { name: 'validation loss', points: [{ x: 400_000, y: 2.9 }, { x: 800_000, y: 2.1 }, { x: 1_200_000, y: 1.8 }] },
];
const els = elements(curveSvg(SERIES, { title: 'Run: loss', xLabel: 'tokens seen', yLabel: 'loss' }));
const inGroup = (g: string, tag: string) => els.filter((e) => e.group === g && e.tag === tag);

describe('curveSvg layout', () => {
  it('every coordinate lies on the canvas', () => {
    for (const e of els) {
      for (const k of ['x', 'x1', 'x2', 'cx']) if (k in e.a) expect(e.a[k], `${e.tag} ${k}`).toBeGreaterThanOrEqual(0), expect(e.a[k]).toBeLessThanOrEqual(W);
      for (const k of ['y', 'y1', 'y2', 'cy']) if (k in e.a) expect(e.a[k], `${e.tag} ${k}`).toBeGreaterThanOrEqual(0), expect(e.a[k]).toBeLessThanOrEqual(H);
    }
  });

  it('grid lines span the plot; the axes are its bottom and left edges; tick marks point out by 5', () => {
    const grid = inGroup('grid', 'line');
    expect(grid.length).toBeGreaterThan(4);
    for (const g of grid) {
      if (g.a.x1 === g.a.x2) expect([g.a.y1, g.a.y2]).toEqual([T, B]);
      else expect([g.a.x1, g.a.x2, g.a.y1 === g.a.y2]).toEqual([L, R, true]);
    }
    const axes = inGroup('axes', 'line');
    expect(axes[0].a).toEqual({ x1: L, y1: B, x2: R, y2: B });
    expect(axes[1].a).toEqual({ x1: L, y1: T, x2: L, y2: B });
    for (const t of axes.slice(2)) {
      if (t.a.x1 === t.a.x2) expect([t.a.y1, t.a.y2]).toEqual([B, B + 5]);
      else expect([t.a.x1, t.a.x2]).toEqual([L - 5, L]);
    }
  });

  it('tick labels sit on their ticks, below the x axis and left of the y axis', () => {
    const xTicks = inGroup('axes', 'line').slice(2).filter((t) => t.a.x1 === t.a.x2).map((t) => t.a.x1);
    const yTicks = inGroup('axes', 'line').slice(2).filter((t) => t.a.y1 === t.a.y2).map((t) => t.a.y1);
    expect(inGroup('x-ticks', 'text').map((t) => [t.a.x, t.a.y])).toEqual(xTicks.map((x) => [x, B + 19]));
    expect(inGroup('y-ticks', 'text').map((t) => [t.a.x, t.a.y])).toEqual(yTicks.map((y) => [L - 8, Math.round((y + 4) * 100) / 100]));
  });

  it('title, axis labels and the no-data note are centred on what they name', () => {
    const title = els.find((e) => e.cls === 'title')!;
    expect([title.a.x, title.a.y, title.text]).toEqual([W / 2, T / 2 + 6, 'Run: loss']);
    const x = els.find((e) => e.cls === 'x-label')!;
    expect([x.a.x, x.a.y]).toEqual([(L + R) / 2, H - 14]);
    const y = els.find((e) => e.cls === 'y-label')!;
    expect([y.a.x, y.a.y]).toEqual([18, (T + B) / 2]);
    const empty = elements(curveSvg([]));
    const note = empty.find((e) => e.cls === 'no-data')!;
    expect([note.a.x, note.a.y, note.text]).toEqual([(L + R) / 2, (T + B) / 2, 'no data yet']);
    expect(empty.some((e) => e.cls === 'title' || e.cls === 'x-label' || e.cls === 'y-label' || e.group === 'legend')).toBe(false);
  });

  it('the legend: a box at the top right inside the plot, one row of 18 per series, a swatch then the name', () => {
    const [box] = inGroup('legend', 'rect');
    const longest = 'validation loss'.length;
    expect(box.a).toMatchObject({ x: R - 10 - (34 + 7 * longest), y: T + 10, width: 34 + 7 * longest, height: 2 * 18 + 8 });
    const lines = inGroup('legend', 'line');
    const texts = inGroup('legend', 'text');
    expect(texts.map((t) => t.text)).toEqual(['train', 'validation loss']);
    lines.forEach((l, k) => {
      const y = T + 10 + 4 + k * 18 + 9;
      expect(l.a).toMatchObject({ x1: box.a.x + 8, x2: box.a.x + 26, y1: y, y2: y });
      expect(texts[k].a).toEqual({ x: box.a.x + 32, y: y + 4 });
    });
    const wide = elements(curveSvg([{ name: 'x'.repeat(200), points: [] }]));
    expect(wide.find((e) => e.group === 'legend' && e.tag === 'rect')!.a.width).toBe(R - L - 20); // capped at the plot's width
  });

  it('the lines stay inside the plot and span it from the first x to the last', () => {
    const lines = els.filter((e) => e.cls === 'series');
    expect(lines).toHaveLength(2);
    const svg = curveSvg(SERIES);
    const pts = [...svg.matchAll(/points="([^"]+)"/g)].flatMap((m) => m[1].split(' ').map((p) => p.split(',').map(Number)));
    for (const [x, y] of pts) {
      expect(x).toBeGreaterThanOrEqual(L);
      expect(x).toBeLessThanOrEqual(R);
      expect(y).toBeGreaterThanOrEqual(T);
      expect(y).toBeLessThanOrEqual(B);
    }
  });
});

describe('niceTicks and tickLabels at their boundaries', () => {
  it('1-2-5 steps: a raw step of 1.5, 3 or 7 times a power of ten rounds up to 2, 5 or 10', () => {
    expect(niceTicks(0, 7.5, 5).step).toBe(2);
    expect(niceTicks(0, 15, 5).step).toBe(5);
    expect(niceTicks(0, 35, 5).step).toBe(10);
    expect(niceTicks(0, 7, 5).step).toBe(1);
  });

  it('one value: a window of ±10 % around it (±1 around 0); the last tick is the top of the range', () => {
    expect(niceTicks(0, 0)).toMatchObject({ min: -1, max: 1 });
    const t = niceTicks(3, 3);
    expect(t.min).toBeLessThanOrEqual(2.7);
    expect(t.max).toBeGreaterThanOrEqual(3.3);
    expect(t.max).toBeLessThan(3.5);
    expect(niceTicks(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('labels: a unit from the largest tick on (1000 is 1k), trailing zeros trimmed', () => {
    expect(tickLabels([0, 500, 1000], 500)).toEqual(['0', '0.5k', '1k']);
    expect(tickLabels([2, 2.05, 2.1], 0.05)).toEqual(['2', '2.05', '2.1']); // '2.00' and '2.10' trimmed
    expect(tickLabels([0, 1e6, 2e6], 1e6)).toEqual(['0', '1M', '2M']);
  });
});
