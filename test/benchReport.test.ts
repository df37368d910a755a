/**
 * The benchmark runner's output: blocks in docs/benchmarks.md, charts as SVG beside it and
 * figures as JSON, merged run after run. (The benchmarks themselves never run in tests.)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RatioChart } from '../bench/lib/bench.js';
import { meetsGoal, renderChart } from '../bench/lib/chart.js';
import {
  joinParagraphs,
  redrawCharts,
  wrapProse,
  writeResults,
  type SuiteResults,
} from '../bench/lib/report.js';

const chart = (ratio: number): RatioChart => ({
  title: 'Fan-out <vs> "bare" & co',
  metric: 'CPU per delivery, Roomkit ÷ bare',
  better: 'lower',
  goal: 1.2,
  bars: [
    { label: 'CPU per delivery', ratio },
    { label: 'p99', ratio: 0.9 },
  ],
});

describe('benchmark report', () => {
  let dir: string;
  let page: string;
  let results: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'roomkit-bench-'));
    page = path.join(dir, 'docs', 'benchmarks.md');
    results = path.join(dir, 'results');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the block, its chart and its figures, and lists the goal in the summary', async () => {
    await writeResults(
      {
        suite: 'chat',
        intro: '## Chat',
        blocks: [
          { id: 'chat:fanout', markdown: '### Fan-out', chart: chart(1.43), results: { n: 3 } },
        ],
      },
      page,
      results,
    );
    const text = await readFile(page, 'utf8');
    expect(text).toContain('<!-- bench:chat:fanout:start -->\n### Fan-out');
    expect(text).toContain('![Fan-out <vs> "bare" & co](benchmarks/chat-fanout.svg)');
    // The summary comes before the suites and names the missed goal.
    expect(text.indexOf('bench:summary:start')).toBeLessThan(text.indexOf('bench:chat:start'));
    expect(text).toContain('**Fan-out <vs> "bare" & co**: ');
    expect(text).toMatch(/\| CPU per delivery \| \*\*1\.43×\*\* \| ≤ 1\.20× \| \*\*missed\*\*/);
    expect(text).toMatch(/\| p99 \| \*\*0\.90×\*\* \| ≤ 1\.20× \| held/);

    const svg = await readFile(path.join(dir, 'docs', 'benchmarks', 'chat-fanout.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Fan-out &lt;vs&gt; &quot;bare&quot; &amp; co');
    expect(svg).not.toContain('<vs>');
    expect(svg).toContain('1.43×');
    expect(svg).toContain('goal ≤ 1.20×');

    const json = JSON.parse(
      await readFile(path.join(results, 'chat.json'), 'utf8'),
    ) as SuiteResults;
    expect(json.suite).toBe('chat');
    expect(json.blocks.map((b) => b.id)).toEqual(['chat:fanout']);
    expect(json.blocks[0]?.results).toEqual({ n: 3 });
    expect(json.blocks[0]?.command).toMatch(/^npm run bench/);
  });

  it('replaces a block measured again and keeps the ones that were not', async () => {
    const write = (blocks: { id: string; markdown: string; chart?: RatioChart }[]) =>
      writeResults({ suite: 'chat', intro: '## Chat', blocks }, page, results);
    await write([
      { id: 'chat:fanout', markdown: 'first fan-out', chart: chart(1.43) },
      { id: 'chat:idle', markdown: 'first idle' },
    ]);
    await write([{ id: 'chat:fanout', markdown: 'second fan-out', chart: chart(1.1) }]);

    const text = await readFile(page, 'utf8');
    expect(text).toContain('second fan-out');
    expect(text).not.toContain('first fan-out');
    expect(text).toContain('first idle');
    expect(text.match(/bench:summary:start/g)).toHaveLength(1);
    expect(text).not.toContain('**missed**');

    const json = JSON.parse(
      await readFile(path.join(results, 'chat.json'), 'utf8'),
    ) as SuiteResults;
    expect(json.blocks.map((b) => b.id)).toEqual(['chat:fanout', 'chat:idle']);
    expect(json.blocks[0]?.chart?.bars[0]?.ratio).toBe(1.1);
  });

  it('draws the charts again from the stored figures, measuring nothing', async () => {
    await writeResults(
      {
        suite: 'chat',
        intro: '## Chat',
        blocks: [{ id: 'chat:fanout', markdown: 'x', chart: chart(1.43) }],
      },
      page,
      results,
    );
    const svg = path.join(dir, 'docs', 'benchmarks', 'chat-fanout.svg');
    const drawn = await readFile(svg, 'utf8');
    await unlink(svg);
    expect(await redrawCharts(page, results)).toEqual([svg]);
    expect(await readFile(svg, 'utf8')).toBe(drawn);
  });

  it('leaves the page without a summary while no chart has a goal', async () => {
    await writeResults(
      { suite: 'exec', intro: '## Exec', blocks: [{ id: 'exec:latency', markdown: 'x' }] },
      page,
      results,
    );
    expect(await readFile(page, 'utf8')).not.toContain('bench:summary');
    expect(existsSync(path.join(dir, 'docs', 'benchmarks'))).toBe(false);
  });
});

describe('ratio chart', () => {
  it('judges bars against the goal in the direction that is better', () => {
    expect(meetsGoal(chart(1.2), 1.2)).toBe(true);
    expect(meetsGoal(chart(1.2), 1.204)).toBe(true);
    expect(meetsGoal(chart(1.2), 1.21)).toBe(false);
    const higher: RatioChart = { ...chart(1), better: 'higher', goal: 0.9 };
    expect(meetsGoal(higher, 0.39)).toBe(false);
    expect(meetsGoal(higher, 0.94)).toBe(true);
    expect(meetsGoal({ ...higher, goal: undefined }, 0.5)).toBeUndefined();
    expect(meetsGoal(higher, Number.NaN)).toBeUndefined();
  });

  it('draws a bar per comparison and marks bars beyond the scale', () => {
    const svg = renderChart({ ...chart(1), bars: [{ label: 'huge', ratio: 1e6 }] });
    expect(svg.match(/<rect /g)).toHaveLength(2); // the background and one bar
    expect(svg).toContain('→');
    expect(svg).not.toContain('NaN');
    const missing = renderChart({ ...chart(1), bars: [{ label: 'none', ratio: Number.NaN }] });
    expect(missing).toContain('–');
    expect(missing).not.toContain('NaN');
  });
});

describe('wrapProse', () => {
  it('breaks a long prose line at spaces, no line over the width', () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const wrapped = wrapProse(long, 30);
    expect(wrapped.split('\n').length).toBeGreaterThan(1);
    for (const line of wrapped.split('\n')) expect(line.length).toBeLessThanOrEqual(30);
    expect(wrapped.replace(/\n/g, ' ')).toBe(long);
  });

  it('leaves tables, headings, comments, images and fenced code as they are', () => {
    const wide = 'x '.repeat(30).trim();
    const markdown = [
      `| ${wide} | 1 |`,
      `### ${wide}`,
      `<!-- ${wide} -->`,
      `![${wide}](chart.svg)`,
      '```',
      wide,
      '```',
    ].join('\n');
    expect(wrapProse(markdown, 20)).toBe(markdown);
  });

  it('never breaks a code span, and hangs a list item’s lines under its text', () => {
    const wrapped = wrapProse('- run it with `npm run bench -- --quick` before a release', 24);
    expect(wrapped).toContain('`npm run bench -- --quick`');
    expect(
      wrapped
        .split('\n')
        .slice(1)
        .every((line) => line.startsWith('  ')),
    ).toBe(true);
  });

  it('changes nothing the second time', () => {
    const once = wrapProse(`_Run ${'on a machine, '.repeat(20)}._`, 50);
    expect(wrapProse(once, 50)).toBe(once);
  });
});

describe('joinParagraphs', () => {
  it('makes each paragraph one line and leaves tables, headings and lists as they are', () => {
    const table = '| a | b |\n|---|---:|\n| x | 1 |';
    const list = '- one\n  two';
    const markdown = `### Heading\n\nA paragraph written\nacross three\nlines.\n\n${table}\n\n${list}`;
    expect(joinParagraphs(markdown)).toBe(
      `### Heading\n\nA paragraph written across three lines.\n\n${table}\n\n${list}`,
    );
  });
});
