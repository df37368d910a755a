/**
 * Prints the frames that took the most self time in a V8 CPU profile, the same grouped by
 * package, and the frames under which the most time was spent (their callees included): where
 * the time of a benchmark that missed its goal goes.
 *
 * `node --import tsx bench/lib/profileSummary.ts <file.cpuprofile> [top] [--window <ms>]
 * [--after <s>]`. A server's profile covers its whole life: start-up, idle spells while other
 * servers take their turn, its own load. `--window 5000` keeps only the busiest 5 s (the most
 * time not idle), and `--after 5` leaves out the first 5 s, where loading modules keeps the
 * thread busy too.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  /** Microseconds, on the profiler's clock. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SummaryOptions {
  /** Only the busiest stretch of this many milliseconds. */
  windowMs?: number;
  /** Only samples this many seconds after the profile started. */
  afterSeconds?: number;
}

interface Entry {
  name: string;
  micros: number;
}

/**
 * Self time per frame and per package, and total time per frame (each sample counted once for
 * every distinct frame on its stack), in microseconds, from the samples `options` keep.
 */
export function summarizeProfile(
  profile: Profile,
  options: SummaryOptions = {},
): {
  totalMicros: number;
  /** The share of the kept time that was not idle. */
  busy: number;
  frames: Entry[];
  packages: Entry[];
  inclusive: Entry[];
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);
  const [from, to] = kept(profile, byId, options);
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMicros = 0;
  let idleMicros = 0;
  for (let index = from; index < to; index++) {
    const node = byId.get(profile.samples[index] as number);
    const micros = profile.timeDeltas[index] ?? 0;
    if (!node) continue;
    totalMicros += micros;
    if (node.callFrame.functionName === '(idle)') idleMicros += micros;
    const name = frameName(node);
    frames.set(name, (frames.get(name) ?? 0) + micros);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
    // A recursive frame counts once per sample.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) {
      const caller = frameName(byId.get(id) as ProfileNode);
      if (seen.has(caller)) continue;
      seen.add(caller);
      inclusive.set(caller, (inclusive.get(caller) ?? 0) + micros);
    }
  }
  const sorted = (map: Map<string, number>) =>
    [...map].map(([name, micros]) => ({ name, micros })).sort((a, b) => b.micros - a.micros);
  return {
    totalMicros,
    busy: totalMicros > 0 ? 1 - idleMicros / totalMicros : 0,
    frames: sorted(frames),
    packages: sorted(packages),
    inclusive: sorted(inclusive),
  };
}

/** The range of sample indexes `options` keep: after the skip, the busiest window within. */
function kept(
  profile: Profile,
  byId: Map<number, ProfileNode>,
  options: SummaryOptions,
): [number, number] {
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const skipUntil = profile.startTime + (options.afterSeconds ?? 0) * 1_000_000;
  const from = times.findIndex((time) => time >= skipUntil);
  if (from === -1) return [0, 0];
  if (options.windowMs === undefined) return [from, times.length];
  const width = options.windowMs * 1000;
  const busyAt = (index: number) =>
    byId.get(profile.samples[index] as number)?.callFrame.functionName === '(idle)'
      ? 0
      : (profile.timeDeltas[index] ?? 0);
  // Slide the window over the samples; keep where it held the most time not idle.
  let best = { busy: -1, from, to: from };
  let busy = 0;
  let start = from;
  for (let end = from; end < times.length; end++) {
    busy += busyAt(end);
    while ((times[end] as number) - (times[start] as number) > width) busy -= busyAt(start++);
    if (busy > best.busy) best = { busy, from: start, to: end + 1 };
  }
  return [best.from, best.to];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node internals';
  const src = url.indexOf('/src/server/');
  if (src >= 0) return `roomkit ${url.slice(src + '/src/server/'.length).split('/')[0]}`;
  return url;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    if (at === -1) return undefined;
    const value = Number(args[at + 1]);
    if (!Number.isFinite(value)) throw new Error(`${name} needs a number`);
    args.splice(at, 2);
    return value;
  };
  const windowMs = option('--window');
  const afterSeconds = option('--after');
  const [file, topArg] = args;
  if (!file) {
    throw new Error(
      'usage: profileSummary.ts <file.cpuprofile> [top] [--window <ms>] [--after <s>]',
    );
  }
  const top = Number(topArg ?? 25);
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, {
    ...(windowMs !== undefined && { windowMs }),
    ...(afterSeconds !== undefined && { afterSeconds }),
  });
  const pct = (micros: number) => `${((micros / summary.totalMicros) * 100).toFixed(1)} %`;
  console.log(
    `${(summary.totalMicros / 1_000_000).toFixed(1)} s of samples, ${(summary.busy * 100).toFixed(0)} % not idle`,
  );
  console.log('\nself time by package');
  for (const { name, micros } of summary.packages.slice(0, top))
    console.log(`${pct(micros)}  ${name}`);
  console.log('\nself time by frame');
  for (const { name, micros } of summary.frames.slice(0, top))
    console.log(`${pct(micros)}  ${name}`);
  console.log('\ntotal time by frame (its callees included)');
  for (const { name, micros } of summary.inclusive.slice(0, top))
    console.log(`${pct(micros)}  ${name}`);
}
