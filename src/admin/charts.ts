/** A named line on a chart: one value per day, in the chart's day order. */
export interface Series {
  name: string;
  values: number[];
}

/** What a chart template places: the SVG, and the same numbers as a table. */
export interface ChartView {
  title: string;
  svg: string;
  legend: Array<{ name: string; color: string; total: number }>;
  table: { head: string[]; rows: Array<{ day: string; cells: number[] }> };
}

/** Colours that stay apart for the common kinds of colour blindness (Okabe–Ito). */
const COLORS = ['#0072B2', '#009E73', '#E69F00', '#D55E00', '#CC79A7', '#56B4E9'];

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 40 };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Every text that reaches the SVG goes through here: a source or topic name is data, never markup. */
export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The `count` UTC days ending with the day of `now`, oldest first, as 'YYYY-MM-DD'. */
export function lastDays(now: Date, count: number): string[] {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => new Date(end - (count - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** A round top for the y axis, so its gridlines fall on whole numbers. */
function niceMax(max: number): number {
  if (max <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

/**
 * A line chart drawn on the server as SVG: it needs no script to show, and
 * every point carries a <title> with its day and value. The same numbers go
 * into a table beside it for screen readers and for copying.
 */
export function lineChart(title: string, days: readonly string[], series: readonly Series[]): ChartView {
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length <= 1 ? plotW / 2 : (i * plotW) / (days.length - 1));
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const parts: string[] = [];
  for (let g = 0; g <= 4; g++) {
    const value = (top * g) / 4;
    parts.push(
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 6}" y="${y(value) + 4}" text-anchor="end" font-size="11" fill="#555">${Number.isInteger(value) ? value : value.toFixed(1)}</text>`,
    );
  }
  // A date label about once a week keeps 30 days readable at phone width.
  days.forEach((day, i) => {
    if (i % 7 === (days.length - 1) % 7) {
      const anchor = i === days.length - 1 ? 'end' : 'middle';
      parts.push(`<text x="${x(i)}" y="${HEIGHT - 8}" text-anchor="${anchor}" font-size="11" fill="#555">${escapeXml(day.slice(5))}</text>`);
    }
  });
  series.forEach((s, n) => {
    const color = COLORS[n % COLORS.length]!;
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
    s.values.forEach((v, i) => {
      if (v === 0) return;
      parts.push(
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}" data-series="${escapeXml(s.name)}" data-day="${days[i]}" data-value="${v}"><title>${escapeXml(`${days[i]}: ${v} ${s.name}`)}</title></circle>`,
      );
    });
  });
  const label = escapeXml(`${title}, ${days[0]} to ${days[days.length - 1]}; the table below holds every value`);
  const svg =
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">` +
    `<title>${label}</title>${parts.join('')}</svg>`;
  return {
    title,
    svg,
    legend: series.map((s, n) => ({ name: s.name, color: COLORS[n % COLORS.length]!, total: s.values.reduce((a, b) => a + b, 0) })),
    table: {
      head: series.map((s) => s.name),
      rows: days.map((day, i) => ({ day, cells: series.map((s) => s.values[i] ?? 0) })),
    },
  };
}

/** A day-by-day series from a map of counts per day. */
export function seriesOf(name: string, days: readonly string[], counts: ReadonlyMap<string, number>): Series {
  return { name, values: days.map((day) => counts.get(day) ?? 0) };
}
