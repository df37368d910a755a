/**
 * A bench block's ratios as a horizontal bar chart in SVG: one bar per comparison, a line at
 * 1.00× (as the baseline) and, when there is one, a dashed line at the goal. Bars on the goal's
 * right side are green, the others red; without a goal they are grey. Plain SVG 1.1 with inline
 * styles, so it renders as an `<img>` on GitHub and in any browser.
 */
import type { RatioChart } from './bench.js';

const WIDTH = 720;
const LEFT = 16;
const RIGHT = 96;
const TOP = 60;
const ROW = 42;
const BAR = 16;
const BOTTOM = 34;
/** The widest scale drawn: 50× the baseline. */
const MAX_SCALE = 50;

const COLOURS = { held: '#2e7d32', missed: '#c62828', neutral: '#607d8b' };

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const formatTimes = (ratio: number) =>
  Number.isFinite(ratio) ? `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×` : '–';

/** Whether `ratio` is on the goal's right side; undefined without a goal or a figure. */
export function meetsGoal(chart: RatioChart, ratio: number): boolean | undefined {
  if (chart.goal === undefined || !Number.isFinite(ratio)) return undefined;
  // Ratios are printed to two decimals: a bar printed as the goal holds it.
  const rounded = Math.round(ratio * 100) / 100;
  return chart.better === 'lower' ? rounded <= chart.goal : rounded >= chart.goal;
}

/** A scale end that is a round number a little beyond the largest figure to draw. */
function scaleEnd(values: number[]): number {
  // A runaway figure is drawn clipped, with an arrow, instead of flattening every other bar.
  const largest = Math.min(MAX_SCALE, Math.max(1, ...values.filter(Number.isFinite)));
  const steps = [1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const step of steps) {
      if (step * magnitude >= largest * 1.05) return step * magnitude;
    }
  }
}

function ticks(end: number): number[] {
  const wanted = 5;
  const raw = end / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const values: number[] = [];
  for (let value = 0; value <= end + 1e-9; value += step) values.push(Number(value.toFixed(6)));
  return values;
}

export function renderChart(chart: RatioChart): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const end = scaleEnd([...chart.bars.map((bar) => bar.ratio), chart.goal ?? 0]);
  const x = (ratio: number) => LEFT + (Math.min(ratio, end) / end) * plotWidth;
  const height = TOP + chart.bars.length * ROW + BOTTOM;
  const plotBottom = TOP + chart.bars.length * ROW;
  const direction = chart.better === 'lower' ? 'lower is better' : 'higher is better';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="13">`,
    `<title>${escape(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="600" fill="#212121">${escape(chart.title)}</text>`,
    `<text x="${LEFT}" y="42" fill="#616161">${escape(`${chart.metric} (${direction})`)}</text>`,
  ];
  for (const tick of ticks(end)) {
    const at = x(tick).toFixed(1);
    parts.push(
      `<line x1="${at}" y1="${TOP - 4}" x2="${at}" y2="${plotBottom}" stroke="#eeeeee"/>`,
      `<text x="${at}" y="${plotBottom + 16}" text-anchor="${tick === 0 ? 'start' : 'middle'}" fill="#757575" font-size="11">${formatTimes(tick)}</text>`,
    );
  }
  chart.bars.forEach((bar, index) => {
    const top = TOP + index * ROW;
    const verdict = meetsGoal(chart, bar.ratio);
    const colour =
      verdict === undefined ? COLOURS.neutral : verdict ? COLOURS.held : COLOURS.missed;
    const barEnd = Number.isFinite(bar.ratio) ? x(bar.ratio) : LEFT;
    const clipped = Number.isFinite(bar.ratio) && bar.ratio > end;
    parts.push(
      `<text x="${LEFT}" y="${top + 12}" fill="#212121" stroke="#ffffff" stroke-width="4" paint-order="stroke">${escape(bar.label)}</text>`,
      `<rect x="${LEFT}" y="${top + 18}" width="${Math.max(1, barEnd - LEFT).toFixed(1)}" height="${BAR}" fill="${colour}" rx="2"/>`,
      `<text x="${(barEnd + 6).toFixed(1)}" y="${top + 31}" fill="#212121" font-weight="600" stroke="#ffffff" stroke-width="4" paint-order="stroke">${formatTimes(bar.ratio)}${clipped ? ' →' : ''}</text>`,
    );
  });
  // The baseline's label under the axis, the goal's above the plot: they never overlap.
  const one = x(1).toFixed(1);
  parts.push(
    `<line x1="${one}" y1="${TOP - 2}" x2="${one}" y2="${plotBottom + 20}" stroke="#212121" stroke-width="1.5"/>`,
    `<text x="${(x(1) + 4).toFixed(1)}" y="${plotBottom + 30}" fill="#212121" font-size="11">1.00× = baseline</text>`,
  );
  if (chart.goal !== undefined) {
    const at = x(chart.goal).toFixed(1);
    const text = `goal ${chart.better === 'lower' ? '≤' : '≥'} ${formatTimes(chart.goal)}`;
    parts.push(
      `<line x1="${at}" y1="${TOP - 2}" x2="${at}" y2="${plotBottom + 20}" stroke="#f9a825" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${at}" y="${TOP - 6}" text-anchor="middle" fill="#e65100" font-size="11">${escape(text)}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
