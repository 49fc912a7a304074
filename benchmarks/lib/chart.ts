/**
 * A line chart as SVG text, generated here rather than with a charting library: the only chart
 * is one small scaling curve, and the usual Node renderers either need a native canvas build
 * (chartjs-node-canvas → cairo) or bring a large dependency tree (vega + vega-lite) for what is
 * a few dozen lines of markup. SVG opens in any browser and renders on GitHub.
 */

/** One x position: measured median `y` with its run range, and the bound to compare with. */
export type ChartPoint = Readonly<{ x: number; y: number; lo: number; hi: number; bound: number }>;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" axis maximum (1, 2, 2.5 or 5 × a power of ten) at or above `v`. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Measured medians (solid, with min–max whiskers) against the bound (dashed), x on a linear
 * axis of the given points.
 *
 * @example writeFileSync('scaling.svg', scalingChart({ title, xLabel: 'processes', yLabel: '/s', points }));
 */
export function scalingChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  points: readonly ChartPoint[];
}): string {
  const W = 640;
  const H = 400;
  const m = { l: 70, r: 150, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs = opts.points.map((p) => p.x);
  const xMax = Math.max(...xs);
  const yMax = niceMax(Math.max(...opts.points.flatMap((p) => [p.hi, p.bound])) * 1.05);
  const X = (x: number) => m.l + (x / xMax) * pw;
  const Y = (y: number) => m.t + ph - (y / yMax) * ph;
  const line = (sel: (p: ChartPoint) => number) =>
    opts.points.map((p, i) => `${i ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(sel(p)).toFixed(1)}`).join(' ');
  const yTicks = Array.from({ length: 6 }, (_, i) => (yMax / 5) * i);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.r / 2 + m.l / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(opts.title)}</text>`,
    ...yTicks.map(
      (t) =>
        `<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(t)}" y2="${Y(t)}" stroke="#ddd"/><text x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${Math.round(t).toLocaleString('en-US')}</text>`,
    ),
    ...xs.map(
      (x) =>
        `<line x1="${X(x)}" x2="${X(x)}" y1="${m.t + ph}" y2="${m.t + ph + 5}" stroke="#333"/><text x="${X(x)}" y="${m.t + ph + 18}" text-anchor="middle">${x}</text>`,
    ),
    `<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="#333"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" stroke="#333"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`,
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`,
    `<path d="${line((p) => p.bound)}" fill="none" stroke="#999" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<path d="${line((p) => p.y)}" fill="none" stroke="#1f77b4" stroke-width="2.5"/>`,
    ...opts.points.map(
      (p) =>
        `<line x1="${X(p.x)}" x2="${X(p.x)}" y1="${Y(p.lo)}" y2="${Y(p.hi)}" stroke="#1f77b4"/><circle cx="${X(p.x)}" cy="${Y(p.y)}" r="4" fill="#1f77b4"/><text x="${X(p.x) + 8}" y="${Y(p.y) + 16}" fill="#1f77b4">${Math.round(p.y).toLocaleString('en-US')} (${((p.y / p.bound) * 100).toFixed(0)}%)</text>`,
    ),
    `<line x1="${W - m.r + 15}" x2="${W - m.r + 45}" y1="${m.t + 10}" y2="${m.t + 10}" stroke="#1f77b4" stroke-width="2.5"/><text x="${W - m.r + 50}" y="${m.t + 14}">measured (median)</text>`,
    `<line x1="${W - m.r + 15}" x2="${W - m.r + 45}" y1="${m.t + 30}" y2="${m.t + 30}" stroke="#999" stroke-width="2" stroke-dasharray="6 4"/><text x="${W - m.r + 50}" y="${m.t + 34}">Little's-law bound</text>`,
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
