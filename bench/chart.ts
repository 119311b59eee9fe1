/**
 * Dependency-free SVG charts: the scaling curves (log–log line charts, one line per store) and
 * the disk profiles (log-scale bars, one per store).
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

/** One panel of horizontal bars, one per store, on a log scale (the stores span 100× and more). */
export interface BarPanel {
  title: string;
  /** Unit shown under the axis, e.g. 'appends/s'. */
  xLabel: string;
  bars: Array<{ name: string; value: number | undefined }>;
}

const BAR = { height: 18, gap: 8, label: 130, top: 34, bottom: 44, right: 70 };

function barPanel(p: BarPanel, dx: number, height: number): string {
  const values = p.bars.map((b) => b.value).filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
  const out: string[] = [`<text x="${dx + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`];
  if (values.length === 0) return out.join('\n');
  const ticks = decades(Math.min(...values), Math.max(...values));
  const [x0, x1] = [Math.log10(ticks[0] as number), Math.log10(ticks[ticks.length - 1] as number)];
  const left = dx + BAR.label;
  const width = W - BAR.label - BAR.right;
  const px = (x: number) => left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * width;
  const bottom = height - BAR.bottom;
  for (const t of ticks) out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${BAR.top}" y2="${bottom}" stroke="#ddd"/><text x="${px(t)}" y="${bottom + 14}" text-anchor="middle">${label(t)}</text>`);
  out.push(`<text x="${left + width / 2}" y="${bottom + 32}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  p.bars.forEach((b, i) => {
    const y = BAR.top + i * (BAR.height + BAR.gap);
    const color = COLORS[i % COLORS.length] as string;
    out.push(`<text x="${left - 6}" y="${y + BAR.height - 5}" text-anchor="end">${esc(b.name)}</text>`);
    if (b.value === undefined || !Number.isFinite(b.value) || b.value <= 0) {
      out.push(`<text x="${left + 4}" y="${y + BAR.height - 5}" fill="#888">n/a</text>`);
      return;
    }
    const end = Math.max(px(b.value), left + 1);
    const shown = b.value >= 100 ? Math.round(b.value).toLocaleString('en-US') : Number(b.value.toPrecision(2)).toString();
    out.push(`<rect x="${left}" y="${y}" width="${(end - left).toFixed(1)}" height="${BAR.height}" fill="${color}"/><text x="${(end + 4).toFixed(1)}" y="${y + BAR.height - 5}">${shown}</text>`);
  });
  return out.join('\n');
}

/** Side-by-side bar panels in one SVG, e.g. a disk profile's appends/s and event-loop delay. */
export function barChart(panels: BarPanel[]): string {
  const rows = Math.max(1, ...panels.map((p) => p.bars.length));
  const height = BAR.top + rows * (BAR.height + BAR.gap) + BAR.bottom;
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...panels.map((p, i) => barPanel(p, i * W, height)),
    '</svg>',
    '',
  ].join('\n');
}
