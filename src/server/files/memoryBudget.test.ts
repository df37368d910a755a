/**
 * The memory budget (API.md, "Health"; MEMORY_BUDGET_BYTES): uploads reserve their bytes before
 * they are read, so parallel uploads cannot together exceed it; at `warning` large uploads are
 * refused with 503 `overloaded`; at `critical` the caches are emptied first, then the rooms
 * nobody is connected to are evicted. The budget's state is what /readyz and X-System-Status
 * report; tests also watch `usedBytes + reservedBytes`, the sum those levels come from.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  download,
  fileUrl,
  noise,
  uploadMultipart,
  uploadSocket,
} from '../../../test/fileHelpers.js';
import {
  api,
  connectWithState,
  roomWith,
  startServer,
  waitFor,
  type Joined,
  type TestServer,
} from '../../../test/helpers.js';

const MiB = 1_048_576;

function levelOf(bytes: number, budget: number): 'ok' | 'warning' | 'critical' {
  return bytes >= 0.9 * budget ? 'critical' : bytes >= 0.75 * budget ? 'warning' : 'ok';
}

/**
 * Records the highest `usedBytes + reservedBytes` seen: on a 1 ms timer and at every room event
 * (a file is announced right after its bytes are stored, while its upload is still finishing).
 */
function watchPeak(server: TestServer): { peak: () => number; stop: () => void } {
  const { accountant } = server.ctx;
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, accountant.usedBytes + accountant.reservedBytes);
  };
  const timer = setInterval(sample, 1);
  const unsubscribe = server.ctx.bus.subscribe(sample);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      unsubscribe();
    },
  };
}

/** Polls an asynchronous condition (a sync point, like waitFor). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !(await check());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function readyz(server: TestServer) {
  const response = await api(server, 'GET', '/readyz');
  return { ...response, systemStatus: response.headers.get('x-system-status') };
}

/** Prometheus samples of `/metrics`, as `name{labels}` → value. */
async function metrics(server: TestServer): Promise<Map<string, number>> {
  const text = (await api(server, 'GET', '/metrics')).body as string;
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

describe('uploads against the budget', () => {
  it('takes some of a burst of uploads, refuses the rest with 503, and never goes over the budget', async () => {
    const budget = 2 * MiB;
    const server = await startServer({ MEMORY_BUDGET_BYTES: String(budget) });
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const graceSocket = await connectWithState(server, grace.token);
    const files = Array.from({ length: 10 }, () => noise(600_000));
    const watch = watchPeak(server);

    const responses = await Promise.all(
      files.map((bytes, i) => uploadMultipart(server, ada, bytes, `burst-${i}.bin`)),
    );

    watch.stop();
    const taken = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status !== 201);
    expect(taken.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('overloaded');
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(watch.peak()).toBeLessThanOrEqual(budget);
    expect(watch.peak()).toBeGreaterThan(0);

    // What was taken is whole and announced; what was refused left nothing.
    const listed = (await api(server, 'GET', `/api/rooms/${ada.room.id}`, { token: ada.token }))
      .body.files;
    expect(listed.map((f: any) => f.id).sort()).toEqual(
      taken.map((r) => r.body.file.id as string).sort(),
    );
    for (const response of taken) {
      const index = Number(/burst-(\d+)/.exec(response.body.file.name)![1]);
      const served = await download(server, fileUrl(ada, response.body.file.id), {
        token: ada.token,
      });
      expect(served.bytes.equals(files[index]!)).toBe(true);
    }
    await waitFor(
      () =>
        graceSocket.events.filter((e) => e.name === 'file:added').length === taken.length &&
        graceSocket.events.filter(
          (e) => e.name === 'message:new' && e.payload.message.type === 'file',
        ).length === taken.length,
    );
    const { accountant } = server.ctx;
    expect(accountant.reservedBytes).toBe(0);
    expect(accountant.usedBytes).toBe(600_000 * taken.length);

    const ready = await readyz(server);
    const level = levelOf(accountant.usedBytes, budget);
    expect(ready.body.memory).toEqual({
      level,
      usedBytes: accountant.usedBytes,
      budgetBytes: budget,
    });
    expect(ready.systemStatus).toBe(level);
    expect(ready.status).toBe(level === 'critical' ? 503 : 200);
  });

  it('never counts a stored file and the reservation of its upload together', async () => {
    // 600 kB reserves 1.2 MB while it is read and processed; after the first file is stored, the
    // second still fits (0.6 + 1.2 MB of 2 MiB), and once it is stored the budget holds 1.2 MB.
    const budget = 2 * MiB;
    const server = await startServer({ MEMORY_BUDGET_BYTES: String(budget) });
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const socket = (await connectWithState(server, ada.token)).socket;
    const watch = watchPeak(server);

    const first = await uploadMultipart(server, ada, noise(600_000), 'first.bin');
    const second = await uploadSocket(socket, 'second.bin', noise(600_000));

    watch.stop();
    expect(first.status).toBe(201);
    expect(second.ok, JSON.stringify(second)).toBe(true);
    expect(watch.peak()).toBeLessThanOrEqual(budget);
    expect(server.ctx.accountant.usedBytes).toBe(1_200_000);
  });

  it('refuses large uploads (1 MiB and up) with 503 at warning, while small ones still pass', async () => {
    const budget = 16 * MiB;
    const server = await startServer({ MEMORY_BUDGET_BYTES: String(budget) });
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const socket = (await connectWithState(server, ada.token)).socket;
    // Other rooms' files, as far as the budget is concerned: 76 % of it.
    server.ctx.accountant.hold('test:others', Math.ceil(0.76 * budget));

    const ready = await readyz(server);
    expect(ready.status).toBe(200);
    expect(ready.body.memory.level).toBe('warning');
    expect(ready.systemStatus).toBe('warning');

    const large = await uploadMultipart(server, ada, noise(MiB), 'large.bin');
    expect(large.status).toBe(503);
    expect(large.body.error.code).toBe('overloaded');
    expect(large.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(large.headers.get('x-system-status')).toBe('warning');
    const largeAck = await uploadSocket(socket, 'large.bin', noise(MiB));
    expect(largeAck).toMatchObject({ ok: false, error: { code: 'overloaded' } });

    const small = await uploadMultipart(server, ada, noise(100_000), 'small.bin');
    expect(small.status).toBe(201);
    const smallAck = await uploadSocket(socket, 'small2.bin', noise(MiB - 1000));
    expect(smallAck.ok, JSON.stringify(smallAck)).toBe(true);
    const names = (
      await api(server, 'GET', `/api/rooms/${ada.room.id}`, { token: ada.token })
    ).body.files.map((f: any) => f.name);
    expect(names).toEqual(['small.bin', 'small2.bin']);

    server.ctx.accountant.release('test:others');
    expect((await readyz(server)).systemStatus).toBe('ok');
    expect((await uploadMultipart(server, ada, noise(MiB), 'large.bin')).status).toBe(201);
  });
});

describe('memory pressure', () => {
  it('empties the caches first, then evicts the idle rooms, never a room with someone in it', async () => {
    const budget = 4 * MiB;
    const server = await startServer({ MEMORY_BUDGET_BYTES: String(budget) });
    const { accountant } = server.ctx;
    const closed: { roomId: string; reason: string }[] = [];
    server.ctx.bus.subscribe((event) => {
      if (event.name === 'room:closed') closed.push({ roomId: event.roomId, ...event.payload });
    });

    // Busy: Ada is connected and looks at thumbnails of a photo (noise, so they are big).
    const busy = (await roomWith(server, 'Ada')).members[0]!;
    const adaSocket = await connectWithState(server, busy.token);
    const raw = noise(640 * 480 * 3);
    const photoBytes = await sharp(raw, { raw: { width: 640, height: 480, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const photoFile = (await uploadMultipart(server, busy, photoBytes, 'noise.png')).body.file;
    for (const w of [480, 256, 128]) {
      const thumb = await download(
        server,
        fileUrl(busy, photoFile.id, `/thumb?w=${w}&format=png`),
        {
          token: busy.token,
        },
      );
      expect(thumb.status).toBe(200);
    }
    // Idle: nobody ever connected to one; the other's only member has left again.
    const idle = (await roomWith(server, 'Bob')).members[0]!;
    const idleFile = (await uploadMultipart(server, idle, noise(50_000), 'b.bin')).body.file;
    const left = (await roomWith(server, 'Cy')).members[0]!;
    const leftSocket = await connectWithState(server, left.token);
    await uploadMultipart(server, left, noise(50_000), 'c.bin');
    leftSocket.socket.disconnect();
    await waitFor(
      async () => !(await server.ctx.presence.isOccupied(left.room.id)),
      5000,
      'Cy to be gone',
    );

    const cached = (await metrics(server)).get('roomkit_cache_bytes{cache="thumbnails"}')!;
    // The thumbnails alone must be able to bring critical (90 %) back under warning (75 %).
    expect(cached).toBeGreaterThan(0.15 * budget + 10_000);
    const used = (await readyz(server)).body.memory.usedBytes;

    // 1. Just past critical: emptying the caches is enough, no room is touched.
    accountant.hold('test:pressure', Math.ceil(0.9 * budget) - used + 1000);
    await eventually(
      async () => (await metrics(server)).get('roomkit_cache_bytes{cache="thumbnails"}') === 0,
      'the thumbnails to be dropped',
    );
    const afterCaches = await metrics(server);
    expect(afterCaches.get('roomkit_memory_evictions{kind="cache"}')).toBe(1);
    expect(afterCaches.get('roomkit_memory_evictions{kind="room"}')).toBe(0);
    expect((await readyz(server)).body.memory.level).toBe('ok');
    expect(closed).toEqual([]);
    expect(
      (await api(server, 'GET', `/api/rooms/${idle.room.id}`, { token: idle.token })).status,
    ).toBe(200);
    // The thumbnails come back on demand.
    const again = await download(server, fileUrl(busy, photoFile.id, '/thumb?w=128&format=png'), {
      token: busy.token,
    });
    expect(again.status).toBe(200);

    // 2. Far past critical: the idle rooms go, with room:closed { reason: "evicted" }.
    accountant.hold('test:pressure', budget);
    await waitFor(() => closed.length === 2, 5000, 'two rooms to be evicted');
    expect(closed).toEqual(
      expect.arrayContaining([
        { roomId: idle.room.id, reason: 'evicted' },
        { roomId: left.room.id, reason: 'evicted' },
      ]),
    );
    const gone = await api(server, 'GET', `/api/rooms/${idle.room.id}`, { token: idle.token });
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('room_expired');
    expect((await download(server, fileUrl(idle, idleFile.id), { token: idle.token })).status).toBe(
      410,
    );
    expect(accountant.usedBytes).toBe(budget + photoFile.size);
    const stillHere = await api(server, 'GET', `/api/rooms/${busy.room.id}`, { token: busy.token });
    expect(stillHere.status).toBe(200);
    expect(stillHere.body.files).toEqual([photoFile]);
    expect(adaSocket.socket.connected).toBe(true);
    expect(adaSocket.events.some((e) => e.name === 'room:closed')).toBe(false);
    expect((await metrics(server)).get('roomkit_memory_evictions{kind="room"}')).toBe(2);

    const critical = await readyz(server);
    expect(critical.status).toBe(503);
    expect(critical.body.memory.level).toBe('critical');
    expect(critical.systemStatus).toBe('critical');
    accountant.release('test:pressure');
    const recovered = await readyz(server);
    expect(recovered.status).toBe(200);
    expect(recovered.systemStatus).toBe('ok');
  });
});
