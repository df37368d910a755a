/**
 * The memory-only promise (API.md, "Running": without DATABASE_URL everything is in memory):
 * nothing a user sends is written to disk. The real `roomkit` command runs as its own process
 * with a temp directory and home of its own, so anything it writes there is its doing; the
 * project directory (its working directory, where ./data would go) and the machine's temp
 * directory are watched too. Images, files, a multi-MB upload, HEIC, thumbnails and refused
 * uploads go through multipart and Socket.IO meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  download,
  fileUrl,
  gradient,
  noise,
  uploadMultipart,
  uploadSocket,
} from '../../../test/fileHelpers.js';
import {
  connectWithState,
  freePort,
  onCleanup,
  roomWith,
  spawnRoomkit,
  waitFor,
} from '../../../test/helpers.js';

const projectDir = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Writes in the project directory that are not the server's: vitest's cache, and the probe tsx
 * makes when another test file starts a server of its own (`.is-fs-case-sensitive-test-<pid>`,
 * created and removed at once). A probe from this test's server would carry its pid and count.
 */
function isSomeoneElses(path: string, serverPid: number): boolean {
  const probe = /(?:^|\/)\.is-fs-case-sensitive-test-(\d+)$/.exec(path);
  if (probe) return Number(probe[1]) !== serverPid;
  return path.startsWith('node_modules/.vite') || path.startsWith('node_modules/.vitest');
}

/** Every file under `dir` with its size and mtime (skipping what vanishes or cannot be read). */
async function listing(
  dir: string,
  skip: (path: string) => boolean = () => false,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (skip(relative(dir, path))) continue;
    const info = await stat(path).catch(() => undefined);
    if (info)
      files.set(relative(dir, path), `${info.isDirectory() ? 'dir' : info.size}@${info.mtimeMs}`);
  }
  return files;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [path, signature] of after) {
    if (before.get(path) !== signature)
      changed.push(`${before.has(path) ? 'changed' : 'new'}: ${path}`);
  }
  return changed;
}

/** Records every file system event under `dir` (recursively where the platform allows). */
function record(dir: string, recursive: boolean): { events: string[]; watcher: FSWatcher } {
  const events: string[] = [];
  const watcher = watch(dir, { recursive }, (type, name) => events.push(`${type}: ${name ?? '?'}`));
  onCleanup(() => watcher.close());
  return { events, watcher };
}

/** Files under `dir` changed since `since` that contain `marker` (the bytes a user sent). */
async function filesContaining(dir: string, marker: string, since: number): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (!info || info.mtimeMs < since || info.size > 64 * 1_048_576) continue;
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes?.includes(marker)) found.push(path);
  }
  return found;
}

describe('memory-only mode', () => {
  it('writes nothing a user sends to disk', async () => {
    const marker = `ROOMKIT-MEMORY-ONLY-${randomUUID()}`;
    const sandbox = await mkdtemp(join(tmpdir(), 'roomkit-memory-only-'));
    onCleanup(() => rm(sandbox, { recursive: true, force: true }));
    const serverTmp = join(sandbox, 'tmp');
    const serverHome = join(sandbox, 'home');
    await mkdir(serverTmp);
    await mkdir(serverHome);
    const port = await freePort();
    const roomkit = await spawnRoomkit(
      ['--port', String(port), '--host', '127.0.0.1'],
      { TMPDIR: serverTmp, HOME: serverHome, TSX_DISABLE_CACHE: '1', LOG_LEVEL: 'silent' },
      { ready: true, port },
    );
    const serverPid = roomkit.child.pid!;
    const skipInProject = (path: string) =>
      path === '.git' ||
      path.startsWith('.git/') ||
      path === 'node_modules' ||
      path.startsWith('node_modules/');

    // From here on, the server has started: whatever appears is the work of what follows.
    const start = Date.now() - 1000;
    const projectBefore = await listing(projectDir, skipInProject);
    const inSandbox = record(sandbox, true);
    const inProject = record(projectDir, false);
    const inNodeModules = record(join(projectDir, 'node_modules'), false);

    const { members } = await roomWith(roomkit, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    const graceSocket = await connectWithState(roomkit, grace.token);
    const markerBytes = Buffer.from(marker);
    const withMarker = (bytes: Buffer) => Buffer.concat([bytes, markerBytes]);
    const uploads = [
      // A multi-MB file that is kept as it is, marker and all.
      await uploadMultipart(roomkit, ada, noise(4_000_000, marker), `${marker}.bin`),
      await uploadMultipart(
        roomkit,
        ada,
        withMarker(
          await gradient(2400, 1600)
            .withExif({ IFD0: { ImageDescription: marker } })
            .jpeg({ quality: 95 })
            .toBuffer(),
        ),
        'large.jpg',
      ),
      await uploadMultipart(
        roomkit,
        ada,
        withMarker(await gradient(300, 200).png().toBuffer()),
        'small.png',
      ),
      await uploadMultipart(
        roomkit,
        ada,
        withMarker(await readFile(join(projectDir, 'test/fixtures/photo.heic'))),
        'photo.heic',
      ),
    ];
    for (const response of uploads)
      expect(response.status, JSON.stringify(response.body)).toBe(201);
    const socketUploads = [
      await uploadSocket(graceSocket.socket, 'notes.txt', Buffer.from(`${marker}\n`.repeat(1000))),
      await uploadSocket(
        graceSocket.socket,
        'anim.webp',
        withMarker(
          await sharp({
            create: { width: 32, height: 96, channels: 3, background: '#39f', pageHeight: 32 },
          })
            .webp()
            .toBuffer(),
        ),
      ),
      await uploadSocket(graceSocket.socket, 'big.bin', noise(3_000_000, marker)),
    ];
    for (const ack of socketUploads) expect(ack.ok, JSON.stringify(ack)).toBe(true);
    // Refused uploads, too.
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg"><script>${marker}</script></svg>`,
    );
    expect((await uploadMultipart(roomkit, ada, svg, 'x.svg')).status).toBe(415);
    expect((await uploadSocket(graceSocket.socket, 'x.svg', svg)).ok).toBe(false);
    // Everything read back: originals, every thumbnail format, and over the socket.
    for (const file of [...uploads.map((u) => u.body.file), ...socketUploads.map((a) => a.file)]) {
      expect((await download(roomkit, fileUrl(ada, file.id), { token: ada.token })).status).toBe(
        200,
      );
      if (!file.mime.startsWith('image/')) continue;
      for (const format of ['avif', 'webp', 'jpeg', 'png']) {
        const path = fileUrl(ada, file.id, `/thumb?w=1280&format=${format}`);
        expect((await download(roomkit, path, { token: ada.token })).status).toBe(200);
      }
      const ack = await new Promise<any>((resolve) =>
        graceSocket.socket.emit('file:get', { fileId: file.id, variant: 'thumb' }, resolve),
      );
      expect(ack.ok).toBe(true);
    }

    // A file of our own, last: once its event is in, the server's earlier ones would be too.
    await writeFile(join(sandbox, 'sentinel'), 'x');
    await waitFor(() => inSandbox.events.some((e) => e.endsWith('sentinel')), 5000, 'the sentinel');

    const serverEvents = inSandbox.events.filter((e) => !e.endsWith('sentinel'));
    expect(serverEvents, 'files the server made in its temp directory or home').toEqual([]);
    expect(await listing(serverTmp)).toEqual(new Map());
    expect(await listing(serverHome)).toEqual(new Map());
    const projectEvents = [
      ...inProject.events,
      ...inNodeModules.events.map((e) => `node_modules/${e}`),
    ].filter((e) => !isSomeoneElses(e.replace(/^\w+: /, ''), serverPid));
    expect(projectEvents, 'files made in the project directory').toEqual([]);
    const projectChanges = changes(projectBefore, await listing(projectDir, skipInProject)).filter(
      (change) => !isSomeoneElses(change.replace(/^\w+: /, ''), serverPid),
    );
    expect(projectChanges, 'files changed in the project directory').toEqual([]);
    expect(await listing(join(projectDir, 'data'))).toEqual(new Map());
    // Other test files may use the machine's temp directory meanwhile; none of theirs holds
    // what was uploaded here.
    expect(await filesContaining(tmpdir(), marker, start)).toEqual([]);
    expect(roomkit.child.exitCode).toBeNull();
  }, 60_000);
});
