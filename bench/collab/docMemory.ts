/**
 * Memory per open document: N rooms' documents, each holding a few KB of code typed line by line
 * by one connected editor, on Roomkit and on a bare @y/websocket-server; the servers' memory is
 * read after a full GC before the documents are opened, while they are open, and after their
 * editors have left.
 */
import type { BenchBlock, BenchContext, Benchmark } from '../lib/bench.js';
import { pool, sleep } from '../lib/bench.js';
import { runLine, table } from '../lib/report.js';
import { roomWith } from '../lib/roomkitClient.js';
import { startServer, type ServerHandle, type ServerStats } from '../lib/servers.js';
import { formatBytes, formatRatio } from '../lib/stats.js';
import {
  bareTarget,
  openEditor,
  roomkitTarget,
  type DocTarget,
  type Editor,
} from '../lib/yjsClient.js';

const SETTLE_MS = 1500;

/** About 4 KB of JavaScript, different in every room. */
function codeLines(seed: number): string[] {
  const lines = [`// room ${seed}: a small module, typed line by line`];
  for (let i = 0; lines.join('\n').length < 4000; i++) {
    lines.push(
      `export function step${i}(input, scale = ${(seed % 7) + i}) {`,
      `  const values = input.map((value) => value * scale + ${i});`,
      `  return values.filter((value) => value % ${(i % 5) + 2} !== 0);`,
      '}',
    );
  }
  return lines;
}

interface Reading {
  rss: number;
  heap: number;
  /** Memory outside the JS heap that V8 knows of (ArrayBuffers, Buffers). */
  external: number;
}

async function reading(server: ServerHandle): Promise<Reading> {
  const stats: ServerStats = await server.stats({ gc: true });
  return {
    rss: server.procMemory()?.rss ?? stats.rss,
    heap: stats.heapUsed,
    external: stats.external,
  };
}

interface Measured {
  label: string;
  documents: number;
  codeBytes: number;
  before: Reading;
  open: Reading;
  left: Reading;
}

async function measure(
  label: string,
  server: ServerHandle,
  targets: DocTarget[],
): Promise<Measured> {
  await sleep(SETTLE_MS);
  const before = await reading(server);
  let codeBytes = 0;
  const editors = await pool(
    8,
    targets.map((target, index) => async (): Promise<Editor> => {
      const editor = await openEditor(target);
      for (const line of codeLines(index)) {
        editor.text.insert(editor.text.length, `${line}\n`);
        codeBytes += line.length + 1;
      }
      return editor;
    }),
  );
  await sleep(SETTLE_MS);
  // Everything typed has reached the server: a new editor of the last document sees all of it.
  const check = await openEditor(targets[targets.length - 1]!);
  const expected = editors[editors.length - 1]!.text.length;
  check.close();
  if (check.text.length !== expected) {
    throw new Error(`${label}: the server holds ${check.text.length} of ${expected} characters`);
  }
  const open = await reading(server);
  for (const editor of editors) editor.close();
  await sleep(SETTLE_MS);
  const left = await reading(server);
  return {
    label,
    documents: targets.length,
    codeBytes: codeBytes / targets.length,
    before,
    open,
    left,
  };
}

export const docMemory: Benchmark = {
  name: 'docmemory',
  title: 'Memory per open collab document vs a bare y-websocket server',
  async run(ctx: BenchContext): Promise<BenchBlock[]> {
    const documents = ctx.quick ? 30 : 200;
    const results: Measured[] = [];
    const roomkit = await startServer({ kind: 'roomkit' });
    try {
      const members = await pool(
        4,
        Array.from({ length: documents }, (_, i) => async () => {
          const [member] = await roomWith(roomkit.url, `Editor ${i}`);
          return member!;
        }),
      );
      const targets = members.map((m) => roomkitTarget(roomkit.url, m.roomId, m.token));
      results.push(await measure('Roomkit `/collab/<roomId>`', roomkit, targets));
    } finally {
      await roomkit.stop();
    }
    const bare = await startServer({ kind: 'bare-yjs' });
    try {
      const targets = Array.from({ length: documents }, (_, i) => bareTarget(bare.url, `doc-${i}`));
      results.push(await measure('bare @y/websocket-server (baseline)', bare, targets));
    } finally {
      await bare.stop();
    }
    const [rk, base] = results as [Measured, Measured];
    const per = (m: Measured, key: keyof Reading, after: Reading) =>
      (after[key] - m.before[key]) / m.documents;
    for (const m of results) {
      ctx.log(
        `  ${m.label}: RSS +${formatBytes(per(m, 'rss', m.open))}/doc, heap +${formatBytes(per(m, 'heap', m.open))}/doc; after leaving: heap +${formatBytes(per(m, 'heap', m.left))}/doc`,
      );
    }
    const row = (m: Measured, label: string, after: Reading) => [
      label,
      formatBytes(per(m, 'heap', after)),
      formatBytes(per(m, 'external', after)),
      formatBytes(per(m, 'rss', after)),
      formatRatio(per(m, 'heap', after), per(base, 'heap', base.open)),
      formatRatio(per(m, 'rss', after), per(base, 'rss', base.open)),
    ];
    const markdown = `### Memory per open document

${runLine()}

${documents} rooms, each with one connected editor (a \`WebsocketProvider\` in the benchmark process) that
types about ${formatBytes(rk.codeBytes)} of JavaScript into the room's document line by line (${codeLines(0).length} inserts).
The server's memory is read after a full garbage collection (\`global.gc()\` in the server process),
once before any document is opened (Roomkit's rooms and members already exist) and once while all
${documents} are open, and the difference is divided by ${documents}: the cost of one open document and its
connection. RSS is the process's resident memory from /proc, noisier than the heap (the
allocator keeps freed pages). Roomkit also keeps each document's stored form (its snapshot and
update log in the memory store, counted by the memory budget) and unloads the live \`Y.Doc\` when
the last editor leaves; the bare server keeps every document live, and forever, since it has no
storage. Ratios are to the bare server with its documents open.

${table(
  ['server', 'JS heap / doc', 'external / doc', 'RSS / doc', 'heap ratio', 'RSS ratio'],
  [
    row(rk, `${rk.label}, documents open`, rk.open),
    row(rk, `${rk.label}, after the editors left (stored only)`, rk.left),
    row(base, `${base.label}, documents open`, base.open),
  ],
)}

Roomkit holds ${formatRatio(per(rk, 'heap', rk.open), per(base, 'heap', base.open))} the bare server's JS heap and ${formatRatio(
      per(rk, 'rss', rk.open),
      per(base, 'rss', base.open),
    )} its RSS per open document. Its live
document and connection alone (open minus after leaving) take ${formatBytes(per(rk, 'heap', rk.open) - per(rk, 'heap', rk.left))} of heap per document, against
the bare server's ${formatBytes(per(base, 'heap', base.open))} for the same; the other ${formatBytes(per(rk, 'heap', rk.left))} of heap and ${formatBytes(per(rk, 'external', rk.left))} outside it stay
after the editors leave. The stored form of a ${formatBytes(rk.codeBytes)} document (its snapshot) is about that size
itself, so most of what stays is something else Roomkit keeps per room after its last collab
connection closed.`;
    return [{ id: 'collab:docmemory', markdown }];
  },
};
