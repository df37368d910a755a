/**
 * Configuration (API.md, "Running"): defaults, one clear line naming a bad variable, flags that
 * mirror the variables, and the real `roomkit` command: its help and version, starting (one
 * line saying where to open it) and shutting down gracefully.
 */
import { readFile } from 'node:fs/promises';
import { connect as connectTcp, createServer as createNetServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  connectCollecting,
  freePort,
  onCleanup,
  roomWith,
  spawnRoomkit,
  waitFor,
} from '../../test/helpers.js';
import { ConfigError, loadConfig, parseFlags, variableNames } from './config.js';
import { defaultLimits } from './core/limits.js';

const SECRET = 's'.repeat(32);

/** The ConfigError loadConfig throws for these variables. */
function configError(vars: Record<string, string>): ConfigError {
  try {
    loadConfig(vars);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(vars)}`);
}

describe('loadConfig', () => {
  it('has the defaults of API.md', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: undefined,
      trustProxy: undefined,
      databaseUrl: undefined,
      blobStore: 'memory',
      redisUrl: undefined,
      redisKeyPrefix: 'roomkit:',
      memoryBudgetBytes: 536_870_912,
      maxUploadBytes: 20_971_520,
      roomTtlSeconds: 3600,
      roomMaxTtlSeconds: 86_400,
      emptyRoomGraceSeconds: 210,
      adminToken: undefined,
      integratorsFile: undefined,
      exec: { driver: 'wasm' },
      fetchAllowHosts: [],
      calls: { iceServers: [], turnSecret: undefined, sfu: undefined },
    });
  });

  it('makes a random session secret per start in memory mode', () => {
    const first = loadConfig({}).sessionSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({}).sessionSecret).not.toBe(first);
  });

  it('keeps blobs on disk by default when the database is SQLite', () => {
    const sqlite = loadConfig({ DATABASE_URL: 'sqlite:./data/roomkit.db', SESSION_SECRET: SECRET });
    expect(sqlite.blobStore).toMatch(/^fs:/);
    expect(sqlite.sessionSecret).toBe(SECRET);
    const postgres = loadConfig({ DATABASE_URL: 'postgres://db/roomkit', SESSION_SECRET: SECRET });
    expect(postgres.blobStore).toBe('memory');
    const explicit = loadConfig({
      DATABASE_URL: 'sqlite:./x.db',
      SESSION_SECRET: SECRET,
      BLOB_STORE: 's3',
      S3_BUCKET: 'roomkit',
    });
    expect(explicit.blobStore).toBe('s3');
  });

  it('reads every kind of value', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '::',
      PUBLIC_URL: 'https://rooms.example.com/',
      REDIS_URL: 'rediss://cache:6380',
      REDIS_KEY_PREFIX: 'rooms-eu:',
      DATABASE_URL: 'postgres://db/roomkit',
      SESSION_SECRET: SECRET,
      MEMORY_BUDGET_BYTES: '2000000',
      ROOM_TTL_SECONDS: '0',
      ROOM_MAX_TTL_SECONDS: '604800',
      EXEC_DRIVER: 'piston:http://piston:2000',
      FETCH_ALLOW_HOSTS: ' Localhost:8080, ,intranet ',
      ICE_SERVERS: '["stun:stun.example.com"]',
      S3_FORCE_PATH_STYLE: 'yes',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '::',
      publicUrl: 'https://rooms.example.com',
      redisUrl: 'rediss://cache:6380',
      redisKeyPrefix: 'rooms-eu:',
      memoryBudgetBytes: 2_000_000,
      roomTtlSeconds: 0,
      roomMaxTtlSeconds: 604_800,
      exec: { driver: 'piston:http://piston:2000' },
      fetchAllowHosts: ['localhost:8080', 'intranet'],
      calls: { iceServers: [{ urls: 'stun:stun.example.com' }] },
      s3: { forcePathStyle: true },
    });
  });

  it('reads TRUST_PROXY as a hop count or a list of addresses', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
  });

  it('reads every limit from RATE_LIMIT_<NAME>, the others keeping their defaults', () => {
    expect(loadConfig({}).limits).toEqual(defaultLimits);
    const config = loadConfig({
      RATE_LIMIT_JOIN_FAILURES: '10/300',
      RATE_LIMIT_JOINS: ' 1200/60 ',
      RATE_LIMIT_COLLAB_MESSAGES: '1000000/86400',
    });
    expect(config.limits).toEqual({
      ...defaultLimits,
      joinFailures: { points: 10, seconds: 300 },
      joins: { points: 1200, seconds: 60 },
      collabMessages: { points: 1_000_000, seconds: 86_400 },
    });
    expect(variableNames.filter((name) => name.startsWith('RATE_LIMIT_')).sort()).toEqual([
      'RATE_LIMIT_COLLAB_MESSAGES',
      'RATE_LIMIT_CREATE_ROOM',
      'RATE_LIMIT_EXEC',
      'RATE_LIMIT_JOINS',
      'RATE_LIMIT_JOIN_FAILURES',
      'RATE_LIMIT_LOGIN_PER_ADDRESS',
      'RATE_LIMIT_LOGIN_PER_USERNAME',
      'RATE_LIMIT_MESSAGES',
      'RATE_LIMIT_REGISTER_PER_ADDRESS',
      'RATE_LIMIT_SIGNALS',
      'RATE_LIMIT_SOCKET_ABUSE',
      'RATE_LIMIT_SOCKET_EVENTS',
      'RATE_LIMIT_UPLOADS',
      'RATE_LIMIT_WEB_FETCHES',
    ]);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', SESSION_SECRET: '' }).port).toBe(8080);
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x', SESSION_SECRET: SECRET }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['BLOB_STORE', { BLOB_STORE: 'ftp' }],
    ['BLOB_STORE', { BLOB_STORE: 'fs:' }],
    ['S3_BUCKET', { BLOB_STORE: 's3' }],
    ['S3_ENDPOINT', { BLOB_STORE: 's3', S3_BUCKET: 'b', S3_ENDPOINT: 'minio:9000' }],
    ['S3_FORCE_PATH_STYLE', { S3_FORCE_PATH_STYLE: 'sometimes' }],
    ['S3_SECRET_ACCESS_KEY', { BLOB_STORE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'key' }],
    ['S3_ACCESS_KEY_ID', { BLOB_STORE: 's3', S3_BUCKET: 'b', S3_SECRET_ACCESS_KEY: 'secret' }],
    ['REDIS_URL', { REDIS_URL: 'http://x' }],
    ['DATABASE_URL', { REDIS_URL: 'redis://cache:6379' }],
    ['REDIS_KEY_PREFIX', { REDIS_KEY_PREFIX: 'has spaces' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'everyone' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'javascript:alert(1)' }],
    ['ICE_SERVERS', { ICE_SERVERS: 'notjson' }],
    ['ICE_SERVERS', { ICE_SERVERS: '{"urls":"stun:x"}' }],
    ['ICE_SERVERS', { ICE_SERVERS: '["http://turn.example.com"]' }],
    ['TURN_SECRET', { TURN_SECRET: 'short' }],
    ['CALLS_SFU', { CALLS_SFU: 'http://127.0.0.1:8088/janus' }],
    ['CALLS_SFU', { CALLS_SFU: 'janus:ws://127.0.0.1:8188' }],
    ['CALLS_SFU', { CALLS_SFU: 'janus:http://user:pw@127.0.0.1:8088/janus' }],
    ['CALLS_MESH_VIDEO_MAX', { CALLS_MESH_VIDEO_MAX: '1' }],
    ['CALLS_MESH_VIDEO_MAX', { CALLS_MESH_VIDEO_MAX: 'four' }],
    ['CALLS_MESH_AUDIO_MAX', { CALLS_MESH_AUDIO_MAX: '17' }],
    ['EXEC_DRIVER', { EXEC_DRIVER: 'docker' }],
    ['EXEC_DRIVER', { EXEC_DRIVER: 'piston' }],
    ['EXEC_DRIVER', { EXEC_DRIVER: 'piston:' }],
    ['EXEC_DRIVER', { EXEC_DRIVER: 'piston:piston:2000' }],
    ['EXEC_DRIVER', { EXEC_DRIVER: 'piston:ftp://piston:2000' }],
    ['EXEC_DRIVER', { EXEC_DRIVER: 'piston:http://' }],
    ['EXEC_DRIVER', { EXEC_DRIVER: 'piston:http://a b:2000' }],
    ['EXEC_DRIVER', { EXEC_DRIVER: 'piston:http://user:secret@piston:2000' }],
    ['MEMORY_BUDGET_BYTES', { MEMORY_BUDGET_BYTES: '10' }],
    ['ROOM_MAX_TTL_SECONDS', { ROOM_MAX_TTL_SECONDS: '59' }],
    ['ROOM_MAX_TTL_SECONDS', { ROOM_MAX_TTL_SECONDS: 'a day' }],
    ['SESSION_SECRET', { SESSION_SECRET: 'too-short' }],
    ['SESSION_SECRET', { DATABASE_URL: 'sqlite:./data/roomkit.db' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'short' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['FETCH_ALLOW_HOSTS', { FETCH_ALLOW_HOSTS: 'http://intranet' }],
    ['FETCH_ALLOW_HOSTS', { FETCH_ALLOW_HOSTS: 'intranet:8080, intranet/admin' }],
    ['FETCH_ALLOW_HOSTS', { FETCH_ALLOW_HOSTS: 'intranet:99999' }],
    ['RATE_LIMIT_JOINS', { RATE_LIMIT_JOINS: '600' }],
    ['RATE_LIMIT_JOINS', { RATE_LIMIT_JOINS: '600/min' }],
    ['RATE_LIMIT_JOINS', { RATE_LIMIT_JOINS: '0/60' }],
    ['RATE_LIMIT_JOINS', { RATE_LIMIT_JOINS: '600/0' }],
    ['RATE_LIMIT_JOINS', { RATE_LIMIT_JOINS: '-1/60' }],
    ['RATE_LIMIT_JOINS', { RATE_LIMIT_JOINS: '1.5/60' }],
    ['RATE_LIMIT_EXEC', { RATE_LIMIT_EXEC: '1000001/60' }],
    ['RATE_LIMIT_EXEC', { RATE_LIMIT_EXEC: '10/86401' }],
    ['RATE_LIMIT_CREATE_ROOM', { RATE_LIMIT_CREATE_ROOM: '99999999999999999999/60' }],
  ])('refuses a bad %s with a ConfigError naming it', (name, vars) => {
    const error = configError(vars);
    expect(error.message.startsWith(`${name}:`), error.message).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('never repeats a secret’s value in its error', () => {
    expect(configError({ SESSION_SECRET: 'hunter2-hunter2' }).message).not.toContain('hunter2');
    expect(configError({ ADMIN_TOKEN: 'letmein' }).message).not.toContain('letmein');
    expect(
      configError({ EXEC_DRIVER: 'piston:http://user:hunter3@piston:2000' }).message,
    ).not.toContain('hunter3');
  });
});

describe('parseFlags', () => {
  it('maps flags to their variables', () => {
    expect(parseFlags(['--port', '9000'])).toEqual({ PORT: '9000' });
    expect(parseFlags(['--host=::'])).toEqual({ HOST: '::' });
    expect(parseFlags(['--memory-budget-bytes', '2000000'])).toEqual({
      MEMORY_BUDGET_BYTES: '2000000',
    });
    expect(parseFlags(['--public-url=https://x.example/?a=b', '--port=1'])).toEqual({
      PUBLIC_URL: 'https://x.example/?a=b',
      PORT: '1',
    });
    expect(parseFlags([])).toEqual({});
  });

  it('maps a flag to each limit', () => {
    expect(parseFlags(['--rate-limit-join-failures', '5/60'])).toEqual({
      RATE_LIMIT_JOIN_FAILURES: '5/60',
    });
  });

  it('lets flags override the environment', () => {
    const config = loadConfig({ PORT: '1234', ...parseFlags(['--port', '9000']) });
    expect(config.port).toBe(9000);
  });

  it.each([
    [['--nope', '1'], /--nope/],
    [['--port'], /--port/],
    [['port', '9000'], /port/],
    [['--constructor', 'x'], /--constructor/],
    [['--__proto__', 'x'], /--__proto__/],
  ])('refuses %j', (argv, mentions) => {
    expect(() => parseFlags(argv)).toThrow(ConfigError);
    expect(() => parseFlags(argv)).toThrow(mentions);
  });
});

describe('the roomkit command', () => {
  it('stops on a bad value with one line naming the variable', async () => {
    const roomkit = await spawnRoomkit(['--port', 'abc']);
    const { code } = await roomkit.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = roomkit.output.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('roomkit: PORT: must be a whole number from 0 to 65535');
  });

  it('holds clients to the limits its variables and flags set', async () => {
    const port = await freePort();
    const roomkit = await spawnRoomkit(
      ['--port', String(port), '--host', '127.0.0.1', '--rate-limit-create-room', '1/60'],
      { RATE_LIMIT_CREATE_ROOM: '5/60' },
      { ready: true, port },
    );
    const create = () =>
      fetch(`${roomkit.url}/api/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    expect((await create()).status).toBe(201);
    const refused = await create();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('stops with one line naming PORT when the port is taken', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const { port } = blocker.address() as AddressInfo;
    const roomkit = await spawnRoomkit(['--port', String(port), '--host', '127.0.0.1'], {
      LOG_LEVEL: 'warn',
    });
    expect((await roomkit.exited).code).not.toBe(0);
    const lines = roomkit.output.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^roomkit: PORT: ${port} .*in use`))]);
  });

  it('stops with one line when a configured driver lacks a setting it needs', async () => {
    const roomkit = await spawnRoomkit(['--port', '0', '--host', '127.0.0.1'], {
      BLOB_STORE: 's3',
      LOG_LEVEL: 'warn',
    });
    expect((await roomkit.exited).code).toBe(2);
    const lines = roomkit.output.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toEqual(['roomkit: S3_BUCKET: is required when BLOB_STORE=s3']);
  });

  it('stops on an unknown flag with one line', async () => {
    const roomkit = await spawnRoomkit(['--prot', '9000']);
    expect((await roomkit.exited).code).not.toBe(0);
    const lines = roomkit.output.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toEqual([expect.stringContaining('--prot')]);
  });

  it('shuts down gracefully on SIGTERM, telling connected clients', async () => {
    const port = await freePort();
    const roomkit = await spawnRoomkit(
      ['--port', String(port), '--host', '127.0.0.1'],
      { LOG_LEVEL: 'warn' },
      { ready: true, port },
    );
    const server = { url: roomkit.url };
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const client = await connectCollecting(server, { token: members[0]!.token });
    await waitFor(() => client.events.find((e) => e.name === 'room:state'));
    let disconnected = false;
    client.socket.on('disconnect', () => (disconnected = true));
    const stream = await readStream(
      `${server.url}/api/rooms/${room.id}/events?token=${encodeURIComponent(members[1]!.token)}`,
    );
    await waitFor(() => stream.text.includes('event: room:state'), 5000, 'the event stream');
    // A connection that never sends a request (a browser's preconnect) must not hold shutdown.
    const idle = connectTcp(port, '127.0.0.1');
    idle.on('error', () => {});
    await new Promise((resolve) => idle.once('connect', resolve));
    onCleanup(() => void idle.destroy());

    roomkit.child.kill('SIGTERM');
    const exit = await roomkit.exited;
    expect(exit, roomkit.output.stdout + roomkit.output.stderr).toEqual({ code: 0, signal: null });
    await waitFor(() => disconnected, 5000, 'the socket client to be disconnected');
    const closing = client.events.find((e) => e.name === 'room:closing');
    if (closing) expect(closing.payload.reason).toBe('server_shutdown');
    await waitFor(() => stream.ended, 5000, 'the event stream to end');
    expect(stream.text).toMatch(/event: room:closing\ndata: .*"server_shutdown"/);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it.each(['--help', '-h'])(
    'answers %s with every flag and its default, and exits 0',
    async (arg) => {
      const roomkit = await spawnRoomkit([arg]);
      expect(await roomkit.exited).toEqual({ code: 0, signal: null });
      const help = roomkit.output.stdout;
      expect(help).toMatch(/^Usage: roomkit /);
      expect(roomkit.output.stderr).toBe('');
      for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
      // One entry a flag, its description wrapped onto indented lines.
      const entries = help.replace(/\n {10,}/g, ' ');
      for (const name of variableNames) {
        const flag = `--${name.toLowerCase().replace(/_/g, '-')}`;
        expect(entries).toMatch(new RegExp(`^  ${flag} <value> +\\S.* \\(default: .+\\)$`, 'm'));
        expect(() => parseFlags([flag, 'x']), flag).not.toThrow(/unknown flag/);
      }
      expect(entries).toMatch(/^ {2}--port <value> +port to listen on \(default: 8080\)$/m);
      expect(entries).toMatch(/^ {2}--exec-driver <value> +.* \(default: wasm\)$/m);
      expect(entries).toMatch(/^ {2}--database-url <value> +.* \(default: none, all in memory\)$/m);
    },
  );

  it('answers --version with the version of package.json', async () => {
    const roomkit = await spawnRoomkit(['--version']);
    expect(await roomkit.exited).toEqual({ code: 0, signal: null });
    const { version } = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(roomkit.output.stdout).toBe(`roomkit ${version}\n`);
  });

  it.each([
    [{ HOST: '0.0.0.0' }, (port: number) => `http://localhost:${port}`],
    [{ HOST: '127.0.0.1' }, (port: number) => `http://127.0.0.1:${port}`],
    [
      { HOST: '127.0.0.1', PUBLIC_URL: 'https://rooms.example.org/' },
      () => 'https://rooms.example.org',
    ],
  ])('says once where to open it (%o), and logs no request at info', async (env, expected) => {
    const port = await freePort();
    const roomkit = await spawnRoomkit(
      ['--port', String(port)],
      { ...env, LOG_LEVEL: 'info' },
      { ready: true, port },
    );
    const created = await fetch(`${roomkit.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(created.status).toBe(201);
    const line = `Roomkit is running: open ${expected(port)}`;
    await waitFor(() => roomkit.output.stderr.includes(line), 5000, 'the line saying where');
    roomkit.child.kill('SIGTERM');
    expect((await roomkit.exited).code).toBe(0);
    expect(roomkit.output.stderr).toBe(`${line}\n`);
    // The logs stay JSON, one object a line, and have no line per request at info.
    const logs = roomkit.output.stdout.split('\n').filter(Boolean);
    for (const log of logs) expect(() => JSON.parse(log), log).not.toThrow();
    expect(roomkit.output.stdout).not.toContain('/api/rooms');
    expect(roomkit.output.stdout).not.toContain('/healthz');
    expect(roomkit.output.stdout).not.toContain('request completed');
  });
});

/** Reads a streaming response (an event stream) into `text` as it arrives. */
async function readStream(url: string): Promise<{ text: string; ended: boolean }> {
  const controller = new AbortController();
  onCleanup(() => controller.abort());
  const response = await fetch(url, { signal: controller.signal });
  expect(response.status).toBe(200);
  const state = { text: '', ended: false };
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        state.text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted or reset: counts as ended
    }
    state.ended = true;
  })();
  return state;
}
