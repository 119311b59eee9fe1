/**
 * A dependency-free SVG of the scaling curves: log–log line charts, one line per store.
 */
export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

const COLORS = ['#1b7837', '#5aae61', '#2166ac', '#92c5de', '#b2182b', '#f4a582', '#762a83'];
const W = 460;
const H = 330;
const M = { left: 62, right: 14, top: 34, bottom: 96 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function label(v: number): string {
  if (v >= 1000) return `${(v / 1000).toLocaleString('en-US')}k`;
  return v >= 1 ? String(v) : String(Number(v.toPrecision(1)));
}

function panel(p: Panel, dx: number): string {
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  const xs = decades(Math.min(...pts.map((q) => q[0])), Math.max(...pts.map((q) => q[0])));
  const ys = decades(Math.min(...pts.map((q) => q[1])), Math.max(...pts.map((q) => q[1])));
  const [x0, x1] = [Math.log10(xs[0] as number), Math.log10(xs[xs.length - 1] as number)];
  const [y0, y1] = [Math.log10(ys[0] as number), Math.log10(ys[ys.length - 1] as number)];
  const px = (x: number) => dx + M.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number) => M.top + (1 - (Math.log10(y) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const out: string[] = [];
  out.push(`<text x="${dx + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  for (const y of ys) out.push(`<line x1="${px(xs[0] as number)}" x2="${px(xs[xs.length - 1] as number)}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/><text x="${dx + M.left - 6}" y="${py(y) + 4}" text-anchor="end">${label(y)}</text>`);
  for (const x of xs) out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${py(ys[0] as number)}" y2="${py(ys[ys.length - 1] as number)}" stroke="#eee"/><text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle">${label(x)}</text>`);
  out.push(`<text x="${dx + M.left + (W - M.left - M.right) / 2}" y="${H - M.bottom + 34}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(${dx + 14} ${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const line = s.points.filter(([x, y]) => x > 0 && y > 0).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="${i === 0 ? 3 : 2}" points="${line.join(' ')}"/>`);
    for (const pt of line) out.push(`<circle cx="${pt.split(',')[0]}" cy="${pt.split(',')[1]}" r="3" fill="${color}"/>`);
    const lx = dx + M.left + (i % 2) * 190;
    const ly = H - M.bottom + 52 + Math.floor(i / 2) * 16;
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/><text x="${lx + 24}" y="${ly}">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

export function scalingChart(panels: Panel[]): string {
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${H}" fill="#fff"/>`,
    ...panels.map((p, i) => panel(p, i * W)),
    '</svg>',
    '',
  ].join('\n');
}
