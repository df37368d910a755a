/**
 * Results into docs/benchmarks.md: each benchmark owns a block between
 * `<!-- bench:<id>:start -->` and `<!-- bench:<id>:end -->`, nested in its suite's block, so a
 * run replaces its own figures and leaves everything else in the file as it was.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RatioChart } from './bench.js';
import { formatTimes, meetsGoal, renderChart } from './chart.js';

export const BENCHMARKS_MD = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
/** One JSON file per suite: every block's chart and figures, with the run that made them. */
export const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));

const FILE_HEADER = `# Benchmarks

Figures measured by \`npm run bench\` on the machine named in each section. Every benchmark
compares Roomkit with a bare baseline or a peer measured in the same run, so the ratios carry
over between machines better than the absolute figures do. Each section
between \`bench:\` comment markers is generated; edit the code in bench/, not the figures.

## How to read this

- **Ratios are the figures to trust.** Roomkit and its comparison run as separate processes on
  the same machine, driven by the same load generator, in alternating rounds (A B A B …), so
  whatever else the machine is doing weighs on both. Absolute figures move with the machine; the
  line under each heading names it, its load average, the commit and the exact command.
- **Each chart is one comparison.** A bar is Roomkit's figure divided by its baseline's (a bare
  server doing the same job with nothing else, or a peer such as ipx or the reference y-websocket
  server); the black line is 1.00×, the dashed line the goal. Green bars hold their goal, red ones
  miss it, grey ones have none. The caption says whether lower or higher is better.
- **CPU per operation is steadier than throughput.** It is the server process's own CPU time over
  the measured window divided by the work done, so it does not depend on how much CPU the
  load generator or the rest of the machine took. Latency percentiles are nearest-rank; with 20
  samples or fewer, p99 is the slowest one.
- **The generator is checked too.** Where a client could be the limit, its event-loop
  utilisation (ELU) is reported: near 1.00 means the client, not the server, set the pace.
- **A missed goal says where the time goes**, from a CPU profile of the server under that load
  (\`BENCH_CPU_PROF_DIR=/tmp/prof npm run bench -- <name>\`, then
  \`node --import tsx bench/lib/profileSummary.ts <profile>\`).
- \`npm run bench -- --quick\` is a smoke run of every benchmark (a few minutes) and writes
  nothing; \`npm run bench -- <suite or benchmark>\` measures and rewrites just those sections,
  their charts in docs/benchmarks/ and their figures in bench/results/<suite>.json.
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

/** The command that started this run, as typed: `npm run bench -- collab`. */
export function command(args = process.argv.slice(2)): string {
  return args.length === 0 ? 'npm run bench' : `npm run bench -- ${args.join(' ')}`;
}

/**
 * "Run 2025-01-31 12:00 UTC by `npm run bench -- collab` on Intel Xeon, 2 cores, …, Node v20.x,
 * Linux …; commit …; load …".
 */
export function runLine(date = new Date()): string {
  const m = machine();
  const when = date.toISOString().slice(0, 16).replace('T', ' ');
  // Other work on the machine moves absolute figures; the load average makes it visible.
  const load = os.loadavg()[0]?.toFixed(2) ?? '?';
  return `_Run ${when} UTC by \`${command()}\` on ${m.cpu}, ${m.cores} cores, ${m.memory}, Node ${m.node}, ${m.os}; commit ${revision()}; 1-minute load average at the start ${load}._`;
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

/** Where the page's prose wraps, so that it reads as plain text. */
const PROSE_WIDTH = 100;

/**
 * `markdown` with every prose line longer than `width` broken at spaces: tables, headings,
 * images, comments and fenced code stay as they are, a code span is never broken, and a list
 * item's continuation lines are indented under its text. Lines already short enough are left
 * alone, so wrapping twice changes nothing.
 */
export function wrapProse(markdown: string, width = PROSE_WIDTH): string {
  let fenced = false;
  return markdown
    .split('\n')
    .flatMap((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      if (fenced || line.length <= width || /^\s*(\||#|<!--|!\[|```)/.test(line)) return [line];
      const indent = /^(\s*(?:[-*+]|\d+\.)\s+|\s*)/.exec(line)?.[0] ?? '';
      const hanging = ' '.repeat(indent.length);
      const lines: string[] = [];
      let current = indent;
      for (const word of words(line.slice(indent.length))) {
        const lead = current === indent || current === hanging ? '' : ' ';
        if (current.length + lead.length + word.length > width && current.trim() !== '') {
          lines.push(current);
          current = hanging + word;
        } else current += lead + word;
      }
      lines.push(current);
      return lines;
    })
    .join('\n');
}

/**
 * `markdown` with each paragraph written across several lines (figures interpolated into a
 * template, so of uneven length) made one line, for wrapProse to break evenly. Blocks holding a
 * table, heading, comment, image, fenced code or list are left as they are.
 */
export function joinParagraphs(markdown: string): string {
  return markdown
    .split(/\n{2,}/)
    .map((block) =>
      block.split('\n').some((line) => /^\s*(\||#|<!--|!\[|```|[-*+] |\d+\. )/.test(line))
        ? block
        : block.replace(/\s*\n\s*/g, ' '),
    )
    .join('\n\n');
}

/** A prose line's words, a code span (`a b`) counting as one. */
function words(text: string): string[] {
  const result: string[] = [];
  for (const part of text.split(' ')) {
    const last = result.at(-1);
    // Inside an unclosed code span the space belongs to the span.
    if (last !== undefined && (last.match(/`/g)?.length ?? 0) % 2 === 1) {
      result[result.length - 1] = `${last} ${part}`;
    } else if (part !== '') result.push(part);
  }
  return result;
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
  blocks: { id: string; markdown: string; chart?: RatioChart; results?: Record<string, unknown> }[];
}

/** Where a block's chart goes: docs/benchmarks/<id>.svg, `:` made `-`. */
export const chartFile = (id: string) => `benchmarks/${id.replace(/[^a-z0-9]+/gi, '-')}.svg`;

/** What bench/results/<suite>.json holds for each block. */
export interface BlockResult {
  id: string;
  /** ISO time of the run that measured it, and how it was started. */
  date: string;
  command: string;
  commit: string;
  machine: Machine;
  loadAverage: number;
  chart?: RatioChart;
  results?: Record<string, unknown>;
}

export interface SuiteResults {
  suite: string;
  blocks: BlockResult[];
}

/**
 * Writes the blocks of one run into docs/benchmarks.md (creating the file if need be), each
 * block's chart into docs/benchmarks/, and its figures into bench/results/<suite>.json; then
 * regenerates the page's summary of goals from every suite's results.
 */
export async function writeResults(
  section: Section,
  file = BENCHMARKS_MD,
  resultsDir = RESULTS_DIR,
): Promise<void> {
  const docsDir = path.dirname(file);
  for (const { id, chart } of section.blocks) {
    if (chart !== undefined) await drawChart(file, id, chart);
  }
  await writeSuiteResults(section, resultsDir);
  let text = existsSync(file) ? await readFile(file, 'utf8') : FILE_HEADER;
  if (!text.includes(start(section.suite))) {
    text = upsertBlock(text, section.suite, wrapProse(section.intro));
  } else {
    // Keep the intro current without touching the benchmark blocks inside the suite.
    const introEnd = text.indexOf('<!-- bench:', text.indexOf(start(section.suite)) + 1);
    const from = text.indexOf(start(section.suite)) + start(section.suite).length;
    if (introEnd > from)
      text = `${text.slice(0, from)}\n${wrapProse(section.intro.trim())}\n\n${text.slice(introEnd)}`;
  }
  for (const { id, markdown, chart } of section.blocks) {
    const image = chart ? `\n\n![${chart.title}](${chartFile(id)})` : '';
    text = upsertBlock(text, id, `${wrapProse(markdown.trim())}${image}`, section.suite);
  }
  text = upsertSummary(text, await readAllResults(resultsDir));
  await mkdir(docsDir, { recursive: true });
  await writeFile(file, text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes block `id`'s chart beside the page `file`; resolves with its path. */
async function drawChart(file: string, id: string, chart: RatioChart): Promise<string> {
  const target = path.join(path.dirname(file), chartFile(id));
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, renderChart(chart));
  return target;
}

/**
 * Draws every chart and the summary again from bench/results, measuring nothing: for a change
 * to how charts are drawn.
 */
export async function redrawCharts(
  file = BENCHMARKS_MD,
  resultsDir = RESULTS_DIR,
): Promise<string[]> {
  const drawn: string[] = [];
  const suites = await readAllResults(resultsDir);
  for (const { id, chart } of suites.flatMap((suite) => suite.blocks)) {
    if (chart !== undefined) drawn.push(await drawChart(file, id, chart));
  }
  const text = await readFile(file, 'utf8');
  await writeFile(file, upsertSummary(text, suites));
  return drawn;
}

async function writeSuiteResults(section: Section, resultsDir: string): Promise<void> {
  const target = path.join(resultsDir, `${section.suite}.json`);
  const previous: SuiteResults = existsSync(target)
    ? (JSON.parse(await readFile(target, 'utf8')) as SuiteResults)
    : { suite: section.suite, blocks: [] };
  const run = {
    date: new Date().toISOString(),
    command: command(),
    commit: revision(),
    machine: machine(),
    loadAverage: Number(os.loadavg()[0]?.toFixed(2)),
  };
  const fresh = new Map(
    section.blocks.map((block) => [
      block.id,
      { id: block.id, ...run, chart: block.chart, results: block.results },
    ]),
  );
  // Blocks this run did not measure keep their earlier figures, in their earlier order.
  const blocks = previous.blocks.map((block) => fresh.get(block.id) ?? block);
  for (const [id, block] of fresh) {
    if (!previous.blocks.some((b) => b.id === id)) blocks.push(block);
  }
  await mkdir(resultsDir, { recursive: true });
  await writeFile(target, `${JSON.stringify({ suite: section.suite, blocks }, null, 2)}\n`);
}

async function readAllResults(resultsDir: string): Promise<SuiteResults[]> {
  if (!existsSync(resultsDir)) return [];
  const files = (await readdir(resultsDir)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    files.map(
      async (name) =>
        JSON.parse(await readFile(path.join(resultsDir, name), 'utf8')) as SuiteResults,
    ),
  );
}

/**
 * The page's first generated block: every ratio that has a goal, held or missed, with the link
 * to the section that explains it, from the results of every suite (each from its latest run).
 */
export function upsertSummary(text: string, suites: SuiteResults[]): string {
  // One short table per comparison, under its title and what its ratio is, stated once: the
  // cells stay short enough to read as plain text.
  const groups: string[] = [];
  for (const suite of suites) {
    for (const block of suite.blocks) {
      const chart = block.chart;
      if (chart?.goal === undefined) continue;
      const goal = `${chart.better === 'lower' ? '≤' : '≥'} ${formatTimes(chart.goal)}`;
      const rows: Cell[][] = chart.bars.map((bar) => {
        const verdict = meetsGoal(chart, bar.ratio);
        return [
          bar.label,
          `**${formatTimes(bar.ratio)}**`,
          goal,
          verdict === undefined ? '–' : verdict ? 'held' : '**missed**',
          block.date.slice(0, 10),
        ];
      });
      groups.push(
        `${wrapProse(`**${chart.title}**: ${chart.metric}.`)}

${table(['measured', 'ratio', 'goal', 'verdict', 'run'], rows, ['l', 'r', 'r', 'l', 'l'])}`,
      );
    }
  }
  if (groups.length === 0) return text;
  const content = `## Goals at a glance

Every ratio below has a goal; each comes from the latest run of its benchmark (the date column),
and its section further down gives the figures, the method and, for a missed goal, where the time
goes. bench/results/ holds the same figures as JSON.

${groups.join('\n\n')}`;
  if (text.includes(start('summary'))) return upsertBlock(text, 'summary', content);
  // Before the first suite's block.
  const first = text.indexOf('<!-- bench:');
  const block = `${start('summary')}\n${content}\n${end('summary')}\n\n`;
  return first === -1
    ? `${text.trimEnd()}\n\n${block}`
    : text.slice(0, first) + block + text.slice(first);
}
