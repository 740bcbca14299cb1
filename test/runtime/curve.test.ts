// The learning-curve SVG: a well-formed XML document whatever the data (checked with a
// small XML parser below), polylines that map the data monotonically, readable tick labels,
// a legend with escaped names, and the awkward inputs: no series, empty series, one point,
// NaN and Infinity.
import { describe, expect, it } from 'vitest';
import { curveSvg, escapeXml, niceTicks, tickLabels } from '../../src/runtime/curve.ts';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    if (!(e in ENTITIES)) throw new Error(`unknown entity ${m}`);
    return ENTITIES[e];
  });
}

/**
 * A strict parser for the XML subset an SVG needs: one root element, an optional prolog and
 * comments; every tag closed and nested properly, attributes quoted and unique, no raw `<`
 * or stray `&` in text or attributes, no characters XML 1.0 forbids. Throws on anything else.
 */
function parseXml(src: string): XmlElement {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(src)) throw new Error('forbidden character');
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(src.slice(i))![0];
      i += ws.length;
      if (src.startsWith('<?', i)) {
        const end = src.indexOf('?>', i);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else return;
    }
  };
  const checkText = (t: string): string => {
    if (t.includes('<')) fail('raw < in text');
    if (/&(?!(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);)/.test(t)) fail('stray &');
    return decode(t);
  };
  const element = (): XmlElement => {
    const open = /^<([A-Za-z_][\w.:-]*)/.exec(src.slice(i));
    if (!open) return fail('expected an element');
    i += open[0].length;
    const el: XmlElement = { name: open[1], attrs: {}, children: [], text: '' };
    for (;;) {
      const attr = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(src.slice(i));
      if (!attr) break;
      if (attr[1] in el.attrs) fail(`duplicate attribute ${attr[1]}`);
      el.attrs[attr[1]] = checkText(attr[3] ?? attr[4]);
      i += attr[0].length;
    }
    const end = /^\s*(\/?)>/.exec(src.slice(i));
    if (!end) fail('malformed tag');
    i += end![0].length;
    if (end![1] === '/') return el;
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${el.name}>`);
      el.text += checkText(src.slice(i, lt));
      i = lt;
      if (src.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(src.slice(i));
        if (!close || close[1] !== el.name) fail(`expected </${el.name}>`);
        i += close![0].length;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        const c = src.indexOf('-->', i);
        if (c < 0) fail('unterminated comment');
        i = c + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

function all(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  return [...(pred(el) ? [el] : []), ...el.children.flatMap((c) => all(c, pred))];
}

const byClass = (root: XmlElement, cls: string): XmlElement[] => all(root, (e) => e.attrs.class === cls);

function polylinePoints(el: XmlElement): { x: number; y: number }[] {
  return el.attrs.points
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const [x, y] = pair.split(',').map(Number);
      return { x, y };
    });
}

const TRAIN = Array.from({ length: 50 }, (_, i) => ({ x: (i + 1) * 25_000, y: 4.2 * Math.exp(-i / 12) + 1.4 }));
const VALID = Array.from({ length: 5 }, (_, i) => ({ x: (i + 1) * 250_000, y: 4.2 * Math.exp(-i / 2.4) + 1.5 }));

describe('the test XML parser', () => {
  it('rejects what is not well-formed', () => {
    for (const bad of ['<svg><g></svg>', '<svg a="1" a="2"/>', '<svg>a & b</svg>', '<svg>a < b</svg>', '<svg x=1/>', '<svg/><svg/>', '<svg>', 'text']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
    expect(parseXml('<?xml version="1.0"?>\n<svg a="&lt;&amp;"><g/>x</svg>\n')).toMatchObject({ name: 'svg', attrs: { a: '<&' }, text: 'x' });
  });
});

describe('curveSvg', () => {
  it('is a well-formed SVG document with title, axes labels, ticks and a legend', () => {
    const svg = curveSvg(
      [
        { name: 'train', points: TRAIN },
        { name: 'valid', points: VALID },
      ],
      { title: 'CharLSTM: loss (nats/token)', xLabel: 'tokens seen', yLabel: 'loss' },
    );
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(root.attrs.viewBox).toMatch(/^0 0 \d+ \d+$/);
    expect(byClass(root, 'title')[0].text).toBe('CharLSTM: loss (nats/token)');
    expect(byClass(root, 'x-label')[0].text).toBe('tokens seen');
    expect(byClass(root, 'y-label')[0].text).toBe('loss');
    const xTicks = byClass(root, 'x-ticks')[0].children.map((c) => c.text);
    // 25k … 1.25M tokens: labels in millions, one unit for the axis.
    expect(xTicks).toEqual(['0', '0.2M', '0.4M', '0.6M', '0.8M', '1M', '1.2M', '1.4M']);
    const yTicks = byClass(root, 'y-ticks')[0].children.map((c) => c.text);
    expect(yTicks).toEqual(['1', '2', '3', '4', '5', '6']);
    const legend = byClass(root, 'legend')[0];
    expect(all(legend, (e) => e.name === 'text').map((t) => t.text)).toEqual(['train', 'valid']);
    // The legend's line colours are the series' colours.
    const series = byClass(root, 'series');
    expect(all(legend, (e) => e.name === 'line').map((l) => l.attrs.stroke)).toEqual(series.map((s) => s.attrs.stroke));
  });

  it('maps the data monotonically: larger x is further right, larger loss is higher up', () => {
    const root = parseXml(curveSvg([{ name: 'train', points: TRAIN }, { name: 'valid', points: VALID }]));
    const [train, valid] = byClass(root, 'series');
    expect(train.name).toBe('polyline');
    const pts = polylinePoints(train);
    expect(pts).toHaveLength(TRAIN.length);
    for (let k = 1; k < pts.length; k++) {
      expect(pts[k].x).toBeGreaterThan(pts[k - 1].x);
      // loss decreases, so the line goes down the page, i.e. SVG y grows
      expect(pts[k].y).toBeGreaterThan(pts[k - 1].y);
    }
    // Both series share the axes: the valid point at x = 250k sits at train's x = 250k.
    const v = polylinePoints(valid);
    expect(v[0].x).toBeCloseTo(pts[9].x, 1);
    // A linear map: equal steps in x are equal steps on the page.
    const dx = pts.slice(1).map((p, k) => p.x - pts[k].x);
    for (const d of dx) expect(d).toBeCloseTo(dx[0], 1);
    // Everything inside the view box.
    const [, , w, h] = root.attrs.viewBox.split(' ').map(Number);
    for (const p of [...pts, ...v]) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(w);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeLessThanOrEqual(h);
    }
  });

  it('draws points in order of x even when they arrive out of order', () => {
    const root = parseXml(curveSvg([{ name: 's', points: [{ x: 3, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 2 }] }]));
    const pts = polylinePoints(byClass(root, 'series')[0]);
    expect(pts.map((p) => p.x)).toEqual([...pts.map((p) => p.x)].sort((a, b) => a - b));
    expect(pts[0].y).toBeLessThan(pts[2].y); // y = 3 first (highest), y = 1 last
  });

  it('escapes series names, the title and the labels', () => {
    const name = `train <bpe> & "quoted" 'single'`;
    const svg = curveSvg([{ name, points: TRAIN }], { title: 'a < b & c > d', xLabel: '<x>', yLabel: '"y"' });
    expect(svg).not.toContain('<bpe>');
    expect(svg).toContain('train &lt;bpe&gt; &amp; &quot;quoted&quot; &apos;single&apos;');
    const root = parseXml(svg);
    expect(all(byClass(root, 'legend')[0], (e) => e.name === 'text')[0].text).toBe(name);
    expect(byClass(root, 'title')[0].text).toBe('a < b & c > d');
    expect(byClass(root, 'x-label')[0].text).toBe('<x>');
    expect(byClass(root, 'y-label')[0].text).toBe('"y"');
    // Characters XML cannot carry are dropped rather than breaking the document.
    expect(() => parseXml(curveSvg([{ name: 'bad\u0000\u0007name\ud800', points: TRAIN }]))).not.toThrow();
    expect(escapeXml('a\u0001b\ud83d\ude00')).toBe('ab\ud83d\ude00');
  });

  it('renders no series, and empty series, as a frame that says there is no data', () => {
    for (const series of [[], [{ name: 'train', points: [] }, { name: 'valid', points: [] }]]) {
      const root = parseXml(curveSvg(series, { title: 'nothing yet' }));
      expect(byClass(root, 'series')).toEqual([]);
      expect(byClass(root, 'no-data')[0].text).toBe('no data yet');
      expect(byClass(root, 'x-ticks')[0].children.length).toBeGreaterThan(1);
    }
    expect(byClass(parseXml(curveSvg([])), 'legend')).toEqual([]);
  });

  it('draws a single point as a dot inside the plot', () => {
    const root = parseXml(curveSvg([{ name: 'valid', points: [{ x: 1_000_000, y: 2.5 }] }]));
    const [dot] = byClass(root, 'series');
    expect(dot.name).toBe('circle');
    const [, , w, h] = root.attrs.viewBox.split(' ').map(Number);
    for (const v of [Number(dot.attrs.cx), Number(dot.attrs.cy)]) expect(Number.isFinite(v)).toBe(true);
    expect(Number(dot.attrs.cx)).toBeGreaterThan(0);
    expect(Number(dot.attrs.cx)).toBeLessThan(w);
    expect(Number(dot.attrs.cy)).toBeGreaterThan(0);
    expect(Number(dot.attrs.cy)).toBeLessThan(h);
  });

  it('skips NaN and Infinity, keeping the axes on the finite data', () => {
    const points = [
      { x: 0, y: 3 },
      { x: 100, y: NaN },
      { x: 200, y: 2 },
      { x: NaN, y: 1 },
      { x: 300, y: Infinity },
      { x: Infinity, y: 1 },
      { x: 400, y: -Infinity },
      { x: 500, y: 1.5 },
    ];
    const svg = curveSvg([{ name: 'train', points }]);
    expect(svg).not.toMatch(/NaN|Infinity/);
    const root = parseXml(svg);
    const pts = polylinePoints(byClass(root, 'series')[0]);
    expect(pts).toHaveLength(3);
    const yTicks = byClass(root, 'y-ticks')[0].children.map((c) => Number(c.text));
    expect(Math.min(...yTicks)).toBeLessThanOrEqual(1.5);
    expect(Math.max(...yTicks)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...yTicks)).toBeLessThan(10);
    // A series whose points are all non-finite draws nothing, and the chart still says so.
    const bad = parseXml(curveSvg([{ name: 'x', points: [{ x: NaN, y: NaN }] }]));
    expect(byClass(bad, 'series')).toEqual([]);
    expect(byClass(bad, 'no-data')).toHaveLength(1);
  });
});

describe('ticks', () => {
  it('picks 1-2-5 steps that cover the data', () => {
    expect(niceTicks(0.3, 9.7, 5)).toMatchObject({ min: 0, max: 10, step: 2, ticks: [0, 2, 4, 6, 8, 10] });
    expect(niceTicks(1.41, 1.87, 5).ticks).toEqual([1.4, 1.5, 1.6, 1.7, 1.8, 1.9]);
    const one = niceTicks(5, 5);
    expect(one.min).toBeLessThan(5);
    expect(one.max).toBeGreaterThan(5);
  });

  it('labels token counts in k, M and B, and losses with the decimals the step needs', () => {
    expect(tickLabels([0, 200_000, 400_000, 600_000], 200_000)).toEqual(['0', '200k', '400k', '600k']);
    expect(tickLabels([0, 500_000, 1_000_000, 1_500_000], 500_000)).toEqual(['0', '0.5M', '1M', '1.5M']);
    expect(tickLabels([1_000_000, 1_200_000, 1_400_000], 200_000)).toEqual(['1M', '1.2M', '1.4M']);
    expect(tickLabels([0, 2e9, 4e9], 2e9)).toEqual(['0', '2B', '4B']);
    expect(tickLabels([1.4, 1.5, 1.6], 0.1)).toEqual(['1.4', '1.5', '1.6']);
    expect(tickLabels([0, 0.05, 0.1], 0.05)).toEqual(['0', '0.05', '0.1']);
    expect(tickLabels([10, 20, 30], 10)).toEqual(['10', '20', '30']);
    // A step that is not 1, 2 or 5 times a power of ten still gets the decimals it needs.
    expect(tickLabels([2, 2.25, 2.5], 0.25)).toEqual(['2', '2.25', '2.5']);
    expect(tickLabels([0, 250_000, 500_000], 250_000)).toEqual(['0', '250k', '500k']);
    expect(tickLabels([0, 2_500_000, 5_000_000], 2_500_000)).toEqual(['0', '2.5M', '5M']);
  });
});
