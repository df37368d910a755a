/**
 * The stats' short histories: the last minute of samples (one a second) and the SVG path that
 * draws one as a sparkline, with the sentence that says the same thing to a screen reader.
 */

/** One a second: a minute of history. */
export const SPARKLINE_SAMPLES = 60;

/** `history` with `value` added at the end, the oldest dropped beyond `capacity`. */
export function appendSample(
  history: readonly number[],
  value: number,
  capacity = SPARKLINE_SAMPLES,
): number[] {
  const next = [...history, value];
  return next.length > capacity ? next.slice(next.length - capacity) : next;
}

/**
 * The `d` of an SVG path drawing `values` in a `width` × `height` box: 0 at the bottom, the
 * largest value (or 1, so that a flat zero line stays at the bottom) at the top. The newest value
 * sits at the right edge and each older one a fixed step to the left, so a history still filling
 * up grows from the right instead of being stretched. Empty for no values.
 */
export function sparklinePath(
  values: readonly number[],
  width: number,
  height: number,
  capacity = SPARKLINE_SAMPLES,
): string {
  if (values.length === 0) return '';
  const top = Math.max(1, ...values);
  const step = capacity > 1 ? width / (capacity - 1) : width;
  // A single sample is drawn as a short level line, so that it shows at all.
  const drawn = values.length === 1 ? [values[0]!, values[0]!] : values;
  const last = drawn.length - 1;
  const points = drawn.map((value, index) => {
    const x = Math.max(0, width - (last - index) * step);
    const y = height - (value / top) * height;
    return `${round(x)} ${round(y)}`;
  });
  return `M${points.join(' L')}`;
}

function round(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** What a sparkline shows, in words: "Connections, last 60 s: now 4, lowest 1, highest 6." */
export function describeSeries(
  label: string,
  values: readonly number[],
  format: (value: number) => string = String,
): string {
  if (values.length === 0) return `${label}: no samples yet.`;
  const now = values[values.length - 1]!;
  return (
    `${label}, last ${values.length} s: now ${format(now)}, ` +
    `lowest ${format(Math.min(...values))}, highest ${format(Math.max(...values))}.`
  );
}
