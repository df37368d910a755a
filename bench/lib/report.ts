/**
 * Results into docs/benchmarks.md: each benchmark owns a block between
 * `<!-- bench:<id>:start -->` and `<!-- bench:<id>:end -->`, nested in its suite's block, so a
 * run replaces its own figures and leaves everything else in the file as it was.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const BENCHMARKS_MD = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

const FILE_HEADER = `# Benchmarks

Figures measured by \`npm run bench\` on the machine named in each section. Every benchmark
compares Roomkit with a bare baseline or a peer measured in the same run, so the ratios carry
over between machines better than the absolute figures do. Each section
between \`bench:\` comment markers is generated; edit the code in bench/, not the figures.
`;

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  memory: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memory: `${Math.round(os.totalmem() / 1_073_741_824)} GiB RAM`,
  };
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The commit measured, and whether src/ differed from it (others may be mid-change). */
export function revision(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'src').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown revision';
  }
}

/** "Run 2025-01-31 12:00 UTC on Intel Xeon, 2 cores, …, Node v20.x, Linux …; commit …; load …". */
export function runLine(date = new Date()): string {
  const m = machine();
  const when = date.toISOString().slice(0, 16).replace('T', ' ');
  // Other work on the machine moves absolute figures; the load average makes it visible.
  const load = os.loadavg()[0]?.toFixed(2) ?? '?';
  return `_Run ${when} UTC on ${m.cpu}, ${m.cores} cores, ${m.memory}, Node ${m.node}, ${m.os}; commit ${revision()}; 1-minute load average at the start ${load}._`;
}

export type Cell = string | number;

/** A GitHub-flavoured Markdown table; `align` gives `l` or `r` per column (default: right but the first). */
export function table(header: string[], rows: Cell[][], align?: ('l' | 'r')[]): string {
  const alignment = header.map((_, i) => align?.[i] ?? (i === 0 ? 'l' : 'r'));
  const line = (cells: Cell[]) =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    line(header),
    `|${alignment.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

const start = (id: string) => `<!-- bench:${id}:start -->`;
const end = (id: string) => `<!-- bench:${id}:end -->`;

/**
 * `text` with block `id` holding `content`: replaced in place when its markers are there,
 * otherwise inserted before the end of `parent`'s block, or appended to the file.
 */
export function upsertBlock(text: string, id: string, content: string, parent?: string): string {
  const block = `${start(id)}\n${content.trim()}\n${end(id)}`;
  const from = text.indexOf(start(id));
  const to = text.indexOf(end(id));
  if (from !== -1 && to > from)
    return text.slice(0, from) + block + text.slice(to + end(id).length);
  if (parent !== undefined) {
    const parentEnd = text.indexOf(end(parent));
    if (parentEnd !== -1) {
      const before = text.slice(0, parentEnd).replace(/\n*$/, '\n\n');
      return `${before}${block}\n\n${text.slice(parentEnd)}`;
    }
  }
  return `${text.trimEnd()}\n\n${block}\n`;
}

export interface Section {
  /** The suite's block, e.g. `files`. */
  suite: string;
  /** The suite block's own heading and introduction, written when the block is created. */
  intro: string;
  /** One block per benchmark that ran, by id (`files:upload`…). */
  blocks: { id: string; markdown: string }[];
}

/** Writes the blocks of one run into docs/benchmarks.md, creating the file if need be. */
export async function writeResults(section: Section, file = BENCHMARKS_MD): Promise<void> {
  let text = existsSync(file) ? await readFile(file, 'utf8') : FILE_HEADER;
  if (!text.includes(start(section.suite))) {
    text = upsertBlock(text, section.suite, section.intro);
  } else {
    // Keep the intro current without touching the benchmark blocks inside the suite.
    const introEnd = text.indexOf('<!-- bench:', text.indexOf(start(section.suite)) + 1);
    const from = text.indexOf(start(section.suite)) + start(section.suite).length;
    if (introEnd > from)
      text = `${text.slice(0, from)}\n${section.intro.trim()}\n\n${text.slice(introEnd)}`;
  }
  for (const { id, markdown } of section.blocks) {
    text = upsertBlock(text, id, markdown, section.suite);
  }
  await writeFile(file, text.endsWith('\n') ? text : `${text}\n`);
}
