/**
 * Prints the frames that took the most self time in a V8 CPU profile, and the same grouped by
 * package (`node --import tsx bench/lib/profileSummary.ts <file.cpuprofile> [top]`): where the
 * time of a benchmark that missed its goal goes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per frame and per package, in microseconds, from a profile's samples. */
export function summarizeProfile(profile: Profile): {
  totalMicros: number;
  frames: { name: string; micros: number }[];
  packages: { name: string; micros: number }[];
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalMicros = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[index] ?? 0;
    if (!node) return;
    totalMicros += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'} ${where}`.trim();
    frames.set(name, (frames.get(name) ?? 0) + micros);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
  });
  const sorted = (map: Map<string, number>) =>
    [...map].map(([name, micros]) => ({ name, micros })).sort((a, b) => b.micros - a.micros);
  return { totalMicros, frames: sorted(frames), packages: sorted(packages) };
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
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profileSummary.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const pct = (micros: number) => `${((micros / summary.totalMicros) * 100).toFixed(1)} %`;
  console.log('self time by package');
  for (const { name, micros } of summary.packages.slice(0, top))
    console.log(`${pct(micros)}  ${name}`);
  console.log('\nself time by frame');
  for (const { name, micros } of summary.frames.slice(0, top))
    console.log(`${pct(micros)}  ${name}`);
}
