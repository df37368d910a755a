/**
 * Every benchmark suite: `npm run bench` runs them all; `npm run bench -- <suite or benchmark
 * name…> [--quick]` runs some (`npm run bench -- collab`, `npm run bench -- cached latency`).
 * Each suite writes its figures into its own section of docs/benchmarks.md, its charts into
 * docs/benchmarks/ and its figures into bench/results/; `--quick` runs a short smoke pass and
 * writes nothing; `--redraw` draws the charts and the summary again from bench/results.
 */
import { accountsSuite } from './accounts.bench.js';
import { callsSuite } from './calls.bench.js';
import { chatSuite } from './chat.bench.js';
import { clusterSuite } from './cluster.bench.js';
import { collabSuite } from './collab.bench.js';
import { execSuite } from './exec.bench.js';
import { filesSuite } from './files.bench.js';
import { previewsSuite } from './previews.bench.js';
import { sseSuite } from './sse.bench.js';
import { webSuite } from './web.bench.js';
import type { BenchBlock, BenchContext, Benchmark, Suite } from './lib/bench.js';
import { BENCHMARKS_MD, machine, redrawCharts, writeResults } from './lib/report.js';

// Each suite's benchmarks take its own context; the runner only hands prepare()'s result back.
const suites: Suite[] = [
  filesSuite,
  collabSuite,
  execSuite,
  clusterSuite,
  chatSuite,
  sseSuite,
  webSuite,
  accountsSuite,
  callsSuite,
  previewsSuite,
];

function select(names: string[]): Map<Suite, Benchmark[]> {
  const all = suites.flatMap((suite) =>
    suite.benchmarks.map((benchmark) => ({ suite, benchmark })),
  );
  const seen = new Set<string>();
  for (const { benchmark } of all) {
    if (seen.has(benchmark.name) || suites.some((s) => s.name === benchmark.name)) {
      throw new Error(`benchmark name ${benchmark.name} is not unique`);
    }
    seen.add(benchmark.name);
  }
  const unknown = names.filter((name) => !seen.has(name) && !suites.some((s) => s.name === name));
  if (unknown.length > 0) {
    const choices = suites.map((s) => `${s.name} (${s.benchmarks.map((b) => b.name).join(', ')})`);
    throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${choices.join('; ')}`);
  }
  const selected = new Map<Suite, Benchmark[]>();
  for (const { suite, benchmark } of all) {
    if (names.length > 0 && !names.includes(suite.name) && !names.includes(benchmark.name)) {
      continue;
    }
    selected.set(suite, [...(selected.get(suite) ?? []), benchmark]);
  }
  return selected;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--redraw')) {
    const drawn = await redrawCharts();
    console.log(`redrew ${drawn.length} charts and the summary from bench/results`);
    return;
  }
  const quick = args.includes('--quick');
  const selected = select(args.filter((arg) => !arg.startsWith('--')));
  const m = machine();
  console.log(`benchmarks on ${m.cpu}, ${m.cores} cores, Node ${m.node}${quick ? ' (quick)' : ''}`);
  const base: BenchContext = { quick, log: (line) => console.log(line) };
  const failed: string[] = [];
  const started = performance.now();
  for (const [suite, benchmarks] of selected) {
    console.log(`\n# ${suite.name}`);
    const blocks: BenchBlock[] = [];
    let ctx: BenchContext;
    try {
      ctx = await suite.prepare(base);
    } catch (error) {
      console.error(error);
      failed.push(suite.name);
      continue;
    }
    for (const benchmark of benchmarks) {
      console.log(`\n== ${benchmark.name}: ${benchmark.title}`);
      const t = performance.now();
      try {
        blocks.push(...(await benchmark.run(ctx)));
      } catch (error) {
        // The others still run and still get written; the run as a whole fails.
        console.error(error);
        failed.push(benchmark.name);
      }
      console.log(`   (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    }
    try {
      await suite.close?.(ctx);
    } catch (error) {
      console.error(error);
      failed.push(suite.name);
    }
    if (quick || blocks.length === 0) continue;
    await writeResults({ suite: suite.name, intro: suite.intro, blocks });
    console.log(`wrote ${blocks.map((b) => b.id).join(', ')} to ${BENCHMARKS_MD}`);
  }
  if (failed.length > 0) process.exitCode = 1;
  console.log(`\nall done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (failed.length > 0) console.error(`failed: ${failed.join(', ')}`);
  if (quick) console.log('--quick: docs/benchmarks.md left as it was');
  // Servers and workers are stopped by now; a stray handle (a provider's reconnect timer) must
  // not keep an unattended run alive.
  process.exit();
}

await main();
