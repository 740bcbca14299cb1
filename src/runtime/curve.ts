// The learning curve as a self-contained SVG line chart: one line per series (train loss,
// valid loss) against tokens seen, with axes, "nice" ticks (1.2M tokens), light grid lines
// and a legend. Points that are not finite (a NaN loss after a blow-up, an Infinity) are
// left out; an empty chart still renders its frame and says there is no data.

export interface CurveSeries {
  name: string;
  points: { x: number; y: number }[];
}

export interface CurveOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 72, right: 24, top: 44, bottom: 58 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Text for XML character data and attribute values: escaped, and without characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return (
    String(text)
      // Control characters other than tab, newline and return, lone surrogates, U+FFFE/U+FFFF.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

/** 1, 2 or 5 times a power of ten, close to `x`. */
function niceNumber(x: number): number {
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * 10 ** exp;
}

interface Axis {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/** Tick positions covering [lo, hi] with about `count` steps of a nice size. */
export function niceTicks(lo: number, hi: number, count = 5): Axis {
  if (!(hi > lo)) {
    // One value (or none): a unit-sized window around it.
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceNumber((hi - lo) / count);
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(clean(min + i * step, step));
  return { min, max, step, ticks };
}

/** Removes float noise (0.30000000000000004) at the precision of the step. */
function clean(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(digits, 20)));
}

/**
 * Tick labels for one axis, in one unit for the whole axis: 0, 0.5M, 1M, 1.5M for tokens;
 * 1.5, 2, 2.5 for a loss — as many decimals as the step needs, float noise removed.
 */
export function tickLabels(ticks: number[], step: number): string[] {
  const largest = Math.max(0, ...ticks.map(Math.abs));
  const [scale, suffix] = ([
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const).find(([sc]) => largest >= sc) ?? [1, ''];
  // The fewest decimals that write the step exactly (0.25 needs two, 0.5 one, 2 none).
  const unit = step / scale;
  let decimals = 0;
  while (decimals < 10 && Math.abs(Math.round(unit * 10 ** decimals) - unit * 10 ** decimals) > 1e-6 * 10 ** decimals * unit) decimals++;
  return ticks.map((v) => (v === 0 ? '0' : `${trimZeros((v / scale).toFixed(decimals))}${suffix}`));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

const num = (v: number): string => String(Math.round(v * 100) / 100);

/**
 * An SVG line chart of the series (e.g. train and valid loss against tokens seen). Each
 * series' finite points are drawn in order of x; a series with a single point is drawn as a
 * dot. Always a complete, well-formed SVG document, whatever the data.
 */
export function curveSvg(series: CurveSeries[], opts: CurveOptions = {}): string {
  const drawn = series.map((s) => ({
    name: s.name,
    points: s.points
      .filter((p) => p && Number.isFinite(p.x) && Number.isFinite(p.y))
      .map((p, i) => ({ x: p.x, y: p.y, i }))
      // In order of x; equal x keep their original order.
      .sort((a, b) => a.x - b.x || a.i - b.i),
  }));
  const all = drawn.flatMap((s) => s.points);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  if (opts.title !== undefined) out.push(`<title>${escapeXml(opts.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  if (opts.title !== undefined) {
    out.push(`<text class="title" x="${WIDTH / 2}" y="${MARGIN.top / 2 + 6}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(opts.title)}</text>`);
  }

  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const xAxis = all.length ? niceTicks(Math.min(...xs), Math.max(...xs), 6) : niceTicks(0, 1, 5);
  const yAxis = all.length ? niceTicks(Math.min(...ys), Math.max(...ys), 5) : niceTicks(0, 1, 5);
  const sx = (x: number): number => MARGIN.left + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * plotW;
  const sy = (y: number): number => MARGIN.top + plotH - ((y - yAxis.min) / (yAxis.max - yAxis.min)) * plotH;
  const bottom = MARGIN.top + plotH;
  const right = MARGIN.left + plotW;

  // Grid, ticks and tick labels.
  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of xAxis.ticks) out.push(`<line x1="${num(sx(t))}" y1="${MARGIN.top}" x2="${num(sx(t))}" y2="${bottom}"/>`);
  for (const t of yAxis.ticks) out.push(`<line x1="${MARGIN.left}" y1="${num(sy(t))}" x2="${right}" y2="${num(sy(t))}"/>`);
  out.push('</g>');
  out.push('<g class="axes" stroke="#333333" stroke-width="1">');
  out.push(`<line x1="${MARGIN.left}" y1="${bottom}" x2="${right}" y2="${bottom}"/>`);
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}"/>`);
  for (const t of xAxis.ticks) out.push(`<line x1="${num(sx(t))}" y1="${bottom}" x2="${num(sx(t))}" y2="${bottom + 5}"/>`);
  for (const t of yAxis.ticks) out.push(`<line x1="${MARGIN.left - 5}" y1="${num(sy(t))}" x2="${MARGIN.left}" y2="${num(sy(t))}"/>`);
  out.push('</g>');
  out.push('<g class="x-ticks" text-anchor="middle" fill="#333333">');
  const xLabels = tickLabels(xAxis.ticks, xAxis.step);
  xAxis.ticks.forEach((t, i) => out.push(`<text x="${num(sx(t))}" y="${bottom + 19}">${escapeXml(xLabels[i])}</text>`));
  out.push('</g>');
  out.push('<g class="y-ticks" text-anchor="end" fill="#333333">');
  const yLabels = tickLabels(yAxis.ticks, yAxis.step);
  yAxis.ticks.forEach((t, i) => out.push(`<text x="${MARGIN.left - 8}" y="${num(sy(t) + 4)}">${escapeXml(yLabels[i])}</text>`));
  out.push('</g>');
  if (opts.xLabel !== undefined) {
    out.push(`<text class="x-label" x="${num(MARGIN.left + plotW / 2)}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  }
  if (opts.yLabel !== undefined) {
    const cy = num(MARGIN.top + plotH / 2);
    out.push(`<text class="y-label" x="18" y="${cy}" text-anchor="middle" transform="rotate(-90 18 ${cy})">${escapeXml(opts.yLabel)}</text>`);
  }

  // The lines; a lone point is a dot.
  drawn.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    if (s.points.length >= 2) {
      const pts = s.points.map((p) => `${num(sx(p.x))},${num(sy(p.y))}`).join(' ');
      out.push(`<polyline class="series" data-series="${k}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" points="${pts}"/>`);
    } else if (s.points.length === 1) {
      const p = s.points[0];
      out.push(`<circle class="series" data-series="${k}" cx="${num(sx(p.x))}" cy="${num(sy(p.y))}" r="3.5" fill="${color}"/>`);
    }
  });
  if (!all.length) {
    out.push(`<text class="no-data" x="${num(MARGIN.left + plotW / 2)}" y="${num(MARGIN.top + plotH / 2)}" text-anchor="middle" fill="#888888">no data yet</text>`);
  }

  // Legend, top right inside the plot.
  if (series.length) {
    const rowH = 18;
    const longest = Math.max(...series.map((s) => s.name.length));
    const boxW = Math.min(plotW - 20, 34 + longest * 7);
    const boxX = right - boxW - 10;
    const boxY = MARGIN.top + 10;
    out.push('<g class="legend">');
    out.push(`<rect x="${num(boxX)}" y="${boxY}" width="${num(boxW)}" height="${series.length * rowH + 8}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`);
    series.forEach((s, k) => {
      const y = boxY + 4 + k * rowH + rowH / 2;
      const color = COLORS[k % COLORS.length];
      out.push(`<line x1="${num(boxX + 8)}" y1="${num(y)}" x2="${num(boxX + 26)}" y2="${num(y)}" stroke="${color}" stroke-width="2"/>`);
      out.push(`<text x="${num(boxX + 32)}" y="${num(y + 4)}">${escapeXml(s.name)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
