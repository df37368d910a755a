const units = ['KB', 'MB', 'GB'] as const;
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/**
 * A size as people read it: "512 bytes", "340 KB", "1.2 MB". Powers of 1024, named the way
 * operating systems' file browsers name them, so 20 MiB reads "20 MB" like the upload limit.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  let value = bytes;
  let unit: (typeof units)[number] = 'KB';
  for (const next of units) {
    value /= 1024;
    unit = next;
    if (value < 1024) break;
  }
  return `${number.format(value >= 100 ? Math.round(value) : value)} ${unit}`;
}
