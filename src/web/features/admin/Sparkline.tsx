import { describeSeries, sparklinePath } from './sparkline.js';

const WIDTH = 120;
const HEIGHT = 28;

/** The last minute of one figure as a line, and the same in words for screen readers. */
export function Sparkline({
  label,
  values,
  format,
}: {
  label: string;
  values: readonly number[];
  format?: (value: number) => string;
}) {
  return (
    <svg
      className="sparkline"
      role="img"
      aria-label={describeSeries(label, values, format)}
      viewBox={`-1 -1 ${WIDTH + 2} ${HEIGHT + 2}`}
      width={WIDTH}
      height={HEIGHT}
      preserveAspectRatio="none"
    >
      <path d={sparklinePath(values, WIDTH, HEIGHT)} />
    </svg>
  );
}
