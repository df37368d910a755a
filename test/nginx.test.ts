/**
 * docs/operations.md's nginx configuration, exactly as written there, in front of two instances
 * (Postgres + Redis): a chat over Socket.IO and SSE, an upload larger than nginx's default body
 * limit, and a co-edit over y-websocket all go through it. Skipped where nginx, Postgres or Redis
 * is missing (.ci/run installs and starts them).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useClusterEnv } from './cluster.js';
import { openEditor } from './editors.js';
import { download, fileUrl, noise, uploadMultipart } from './fileHelpers.js';
import {
  api,
  connectWithState,
  createRoom,
  emitAck,
  freePort,
  join as joinRoom,
  onCleanup,
  openEvents,
  startServer,
  waitFor,
  type TestServer,
} from './helpers.js';
import { lacks, programPath } from './requirements.js';

const nginx = programPath('nginx');
const missing = lacks('nginx', 'postgres', 'redis');
const clusterEnv = useClusterEnv({ TRUST_PROXY: 'loopback' });

/** The ```nginx block of docs/operations.md. */
async function documentedConfig(): Promise<string> {
  const doc = await readFile(new URL('../docs/operations.md', import.meta.url), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/operations.md has no nginx block');
  return block;
}

/**
 * Starts nginx with the documented configuration, changed only where a test must: the two
 * upstream servers, the port it listens on, and its files kept in a directory of the test's.
 */
async function startNginx(upstreams: TestServer[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roomkit-nginx-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  let config = await documentedConfig();
  const servers = [...config.matchAll(/^(\s*)server 10\.0\.0\.\d+:8080(.*);$/gm)];
  expect(servers).toHaveLength(2);
  upstreams.forEach((upstream, i) => {
    const [line, indent, rest] = servers[i]!;
    config = config.replace(line, `${indent}server ${new URL(upstream.url).host}${rest};`);
  });
  config = config
    .replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`)
    .replace(
      /^http \{$/m,
      [
        'http {',
        `  access_log off;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (temp) => `  ${temp}_temp_path ${join(dir, temp)};`,
        ),
      ].join('\n'),
    );
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config);
  const child = spawn(
    nginx!,
    [
      '-p',
      dir,
      '-c',
      file,
      '-g',
      `daemon off; pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'error.log')};`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onCleanup(async () => {
    child.kill('SIGQUIT');
    await exited;
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () =>
      child.exitCode === null
        ? fetch(`${url}/healthz`).then(
            (response) => response.ok || undefined,
            () => undefined,
          )
        : Promise.reject(new Error(`nginx stopped: ${stderr}`)),
    10_000,
    'nginx to answer',
  );
  return url;
}

describe.skipIf(missing)('behind nginx, as docs/operations.md configures it', () => {
  it('carries a chat, an upload and a co-edit to two instances', { timeout: 60_000 }, async () => {
    const instances = [await startServer(clusterEnv()), await startServer(clusterEnv())];
    const front = { url: await startNginx(instances) };

    const room = await createRoom(front, { persistent: false });
    const ada = await joinRoom(front, room, 'Ada');
    const grace = await joinRoom(front, room, 'Grace');

    // Chat: Socket.IO (long-polling first, then the WebSocket upgrade) and SSE, unbuffered.
    const adaSocket = await connectWithState(front, ada.token);
    const graceSocket = await connectWithState(front, grace.token);
    expect(graceSocket.socket.io.engine.transport.name).toBe('websocket');
    const stream = openEvents(front, room.id, grace.token);
    await stream.opened;
    await waitFor(() => stream.events.find((e) => e.name === 'room:state'), 5000, 'SSE state');
    const sent = await emitAck(adaSocket.socket, 'message:send', { body: 'through nginx' });
    expect(sent).toMatchObject({ ok: true });
    await waitFor(
      () =>
        graceSocket.events.find(
          (e) => e.name === 'message:new' && e.payload.message.body === 'through nginx',
        ),
      5000,
      'the message on the socket',
    );
    await waitFor(
      () =>
        stream.events.find(
          (e) => e.name === 'message:new' && e.data.message.body === 'through nginx',
        ),
      5000,
      'the message on the event stream',
    );

    // An upload of 3 MB: more than nginx's default body limit (1 MB).
    const bytes = noise(3 * 1024 * 1024, 'through nginx');
    const uploaded = await uploadMultipart(front, ada, bytes, 'big.bin');
    expect(uploaded.status).toBe(201);
    const fetched = await download(front, fileUrl(grace, uploaded.body.file.id), {
      token: grace.token,
    });
    expect(fetched.status).toBe(200);
    expect(Buffer.compare(fetched.bytes, bytes)).toBe(0);

    // A co-edit over y-websocket.
    const editors = [await openEditor(front, ada), await openEditor(front, grace)];
    editors[0]!.doc.getText('code').insert(0, 'print("ada")\n');
    editors[1]!.doc.getText('code').insert(0, '# grace\n');
    await waitFor(
      () => editors.every(({ doc }) => doc.getText('code').toJSON().length === 21) || undefined,
      5000,
      'the editors to converge',
    );
    expect(editors[0]!.doc.getText('code').toJSON()).toBe(editors[1]!.doc.getText('code').toJSON());

    // Health checks go through too (a balancer's own checks would ask each instance directly).
    const ready = await api(front, 'GET', '/readyz');
    expect(ready.body.checks).toMatchObject({ database: 'ok', redis: 'ok' });
  });
});
