/**
 * Collaborative code (API.md, "Collaborative code"; docs/api.md, "As built"): real y-websocket
 * WebsocketProviders and raw `ws` clients against a real server on port 0.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CODE_MAX_CHARS } from '../../protocol/collab.js';
import { ManualClock } from '../core/Clock.js';
import {
  api,
  connectWithState,
  createRoom,
  emitAck,
  join,
  onCleanup,
  roomWith,
  sleep,
  startServer,
  waitFor,
  type Joined,
  type TestServer,
} from '../../../test/helpers.js';

interface Close {
  code: number;
  reason: string;
}

interface OpenDoc {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  /** Every close the provider saw, in order. */
  closes: Close[];
}

const collabUrl = (server: { url: string }) => `${server.url.replace(/^http/, 'ws')}/collab`;

/** A WebsocketProvider as any y-websocket client would use it; destroyed after the test. */
function openDoc(server: { url: string }, roomId: string, token: string): OpenDoc {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(collabUrl(server), roomId, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    // Two providers of one room in one process would otherwise sync through a
    // BroadcastChannel, around the server.
    disableBc: true,
  });
  const closes: Close[] = [];
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  onCleanup(() => {
    provider.destroy();
    doc.destroy();
  });
  return { doc, text: doc.getText('code'), provider, closes };
}

async function openSynced(server: { url: string }, member: Joined): Promise<OpenDoc> {
  const open = openDoc(server, member.room.id, member.token);
  await waitFor(() => open.provider.synced, 5000, 'provider synced');
  return open;
}

/** Cuts a provider's connection without a goodbye, as a dropped network would. */
function cutOff(open: OpenDoc): void {
  open.provider.shouldConnect = false;
  (open.provider.ws as unknown as WebSocket).terminate();
}

interface RawClient {
  ws: WebSocket;
  messages: Uint8Array[];
  opened: Promise<void>;
  closed: Promise<Close>;
}

/** A bare `ws` client, to read close codes and send what no provider would. */
function rawClient(server: { url: string }, path: string, options: ClientOptions = {}): RawClient {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, options);
  const messages: Uint8Array[] = [];
  ws.on('message', (data: Buffer) => messages.push(new Uint8Array(data)));
  ws.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<Close>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  onCleanup(() => ws.terminate());
  return { ws, messages, opened, closed };
}

const tokenPath = (roomId: string, token: string) =>
  `/collab/${roomId}?token=${encodeURIComponent(token)}`;

/** y-websocket sync step 1 with an empty state vector: "send me everything". */
const SYNC_STEP1_EMPTY = new Uint8Array([0, 0, 1, 0]);

/** Ada and Grace in one room, each with a synced provider. */
async function pair(server: TestServer) {
  const { room, members } = await roomWith(server, 'Ada', 'Grace');
  const [ada, grace] = members as [Joined, Joined];
  return {
    room,
    ada,
    grace,
    adaDoc: await openSynced(server, ada),
    graceDoc: await openSynced(server, grace),
  };
}

describe('editing together', () => {
  it('two providers converge on concurrent edits, including meta.language', async () => {
    const server = await startServer();
    const { adaDoc, graceDoc } = await pair(server);

    adaDoc.text.insert(0, 'const a = 1;\n');
    graceDoc.text.insert(0, 'let g = 2;\n');
    for (let i = 0; i < 20; i++) {
      adaDoc.text.insert(adaDoc.text.length, `a${i} `);
      graceDoc.text.insert(0, `g${i} `);
    }
    graceDoc.doc.getMap('meta').set('language', 'python');

    await waitFor(
      () =>
        adaDoc.text.toJSON() === graceDoc.text.toJSON() &&
        adaDoc.text.toJSON().includes('a19') &&
        adaDoc.text.toJSON().includes('g19'),
      5000,
      'convergence',
    );
    expect(adaDoc.text.toJSON()).toContain('const a = 1;');
    expect(adaDoc.text.toJSON()).toContain('let g = 2;');
    await waitFor(() => adaDoc.doc.getMap('meta').get('language') === 'python');
  });

  it('leaves meta.language unset until someone picks one', async () => {
    const server = await startServer();
    const { adaDoc } = await pair(server);
    expect(adaDoc.doc.getMap('meta').get('language')).toBeUndefined();
  });

  it('a late joiner gets the whole document', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const adaDoc = await openSynced(server, members[0]!);
    adaDoc.text.insert(0, 'print("hello")\n');
    adaDoc.doc.getMap('meta').set('language', 'python');

    const late = await join(server, room, 'Late');
    const lateDoc = openDoc(server, room.id, late.token);
    await waitFor(() => lateDoc.text.toJSON() === 'print("hello")\n', 5000, 'late joiner');
    expect(lateDoc.doc.getMap('meta').get('language')).toBe('python');
  });

  it('counts a collab connection as the member being online', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    await openSynced(server, members[0]!);
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: members[1]!.token });
    const online = Object.fromEntries(
      state.body.members.map((m: { displayName: string; online: boolean }) => [
        m.displayName,
        m.online,
      ]),
    );
    expect(online).toEqual({ Ada: true, Grace: false });
  });
});

describe('awareness', () => {
  it('relays states between providers and removes a connection’s states when it drops', async () => {
    const server = await startServer();
    const { adaDoc, graceDoc } = await pair(server);

    adaDoc.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#e11d48' });
    graceDoc.provider.awareness.setLocalStateField('user', { name: 'Grace', color: '#2563eb' });
    const adaId = adaDoc.doc.clientID;
    await waitFor(
      () => graceDoc.provider.awareness.getStates().get(adaId)?.user?.name === 'Ada',
      5000,
      "Ada's awareness at Grace",
    );
    await waitFor(
      () =>
        adaDoc.provider.awareness.getStates().get(graceDoc.doc.clientID)?.user?.color === '#2563eb',
      5000,
      "Grace's awareness at Ada",
    );

    // No goodbye from Ada's client: the server removes her state when the connection closes.
    cutOff(adaDoc);
    await waitFor(
      () => !graceDoc.provider.awareness.getStates().has(adaId),
      5000,
      "Ada's state removed",
    );
  });

  it('a newcomer gets the states already there', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const adaDoc = await openSynced(server, members[0]!);
    adaDoc.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#e11d48' });
    await sleep(50);
    const grace = await join(server, room, 'Grace');
    const graceDoc = openDoc(server, room.id, grace.token);
    await waitFor(
      () => graceDoc.provider.awareness.getStates().get(adaDoc.doc.clientID)?.user?.name === 'Ada',
      5000,
      'existing state',
    );
  });
});

describe('awareness names', () => {
  it("labels every state with its member's display name and id, whatever the client wrote", async () => {
    const server = await startServer();
    const { adaDoc, graceDoc, grace } = await pair(server);
    graceDoc.provider.awareness.setLocalStateField('user', {
      name: 'Ada (owner)',
      color: '#2563eb',
    });
    const graceId = graceDoc.doc.clientID;
    await waitFor(
      () => adaDoc.provider.awareness.getStates().has(graceId),
      5000,
      "Grace's state at Ada",
    );
    const seen = adaDoc.provider.awareness.getStates().get(graceId) as {
      user: { name: string; memberId: string; color: string };
    };
    expect(seen.user).toEqual({ name: 'Grace', memberId: grace.member.id, color: '#2563eb' });
  });

  it('ignores a state that is not a JSON object, and keeps the connection', async () => {
    const server = await startServer();
    const { room, adaDoc, grace } = await pair(server);
    const raw = rawClient(server, tokenPath(room.id, grace.token));
    await waitFor(() => raw.messages.length > 0);
    for (const json of ['5', '"Mallory"', '[1]', '{"user":']) {
      const update = encodeAwareness(4242, 1, new TextEncoder().encode(json));
      raw.ws.send(new Uint8Array([1, ...varUint(update.length), ...update]));
    }
    // A well-formed state after them still arrives, so the ones before were ignored, not queued.
    const good = encodeAwareness(4243, 1, new TextEncoder().encode('{"user":{"name":"x"}}'));
    raw.ws.send(new Uint8Array([1, ...varUint(good.length), ...good]));
    await waitFor(() => adaDoc.provider.awareness.getStates().has(4243), 5000, 'good state');
    expect(adaDoc.provider.awareness.getStates().has(4242)).toBe(false);
    expect(raw.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('message rate', () => {
  it('closes a connection that floods messages with 1013 rate_limited; the others keep editing', async () => {
    const server = await startServer(
      {},
      { limits: { collabMessages: { points: 20, seconds: 60 } } },
    );
    const { room, adaDoc, graceDoc, grace } = await pair(server);
    const raw = rawClient(server, tokenPath(room.id, grace.token));
    await waitFor(() => raw.messages.length > 0);
    const queryAwareness = new Uint8Array([3]);
    for (let i = 0; i < 20; i++) raw.ws.send(queryAwareness);
    await sleep(200);
    expect(raw.ws.readyState).toBe(WebSocket.OPEN);
    raw.ws.send(queryAwareness);
    expect(await raw.closed).toEqual({ code: 1013, reason: 'rate_limited' });

    adaDoc.text.insert(0, 'still here');
    await waitFor(() => graceDoc.text.toJSON() === 'still here', 5000, 'edit relayed');
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
    const metrics = (await api<string>(server, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/^roomkit_rate_limit_refusals_total\{limit="collab_messages"\} 1$/m);
  });
});

describe('who may connect', () => {
  it('a bad or missing token never syncs: the handshake completes, then 4401 unauthorized', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const adaDoc = await openSynced(server, members[0]!);
    adaDoc.text.insert(0, 'secret code');

    for (const path of [
      tokenPath(room.id, 'not-a-token'),
      tokenPath(room.id, `${members[0]!.token}x`),
      `/collab/${room.id}`,
      `/collab/${room.id}?token=`,
    ]) {
      const raw = rawClient(server, path);
      await raw.opened;
      expect(await raw.closed, path).toEqual({ code: 4401, reason: 'unauthorized' });
      expect(raw.messages, path).toEqual([]);
    }

    const intruder = openDoc(server, room.id, 'not-a-token');
    await waitFor(() => intruder.closes.length > 0, 5000, 'intruder closed');
    expect(intruder.closes[0]).toEqual({ code: 4401, reason: 'unauthorized' });
    await sleep(100);
    expect(intruder.text.toJSON()).toBe('');
    expect(intruder.provider.synced).toBe(false);
  });

  it("another room's token is 4403 forbidden; a malformed room id 4404", async () => {
    const server = await startServer();
    const { room } = await roomWith(server, 'Ada');
    const other = await roomWith(server, 'Mallory');
    const raw = rawClient(server, tokenPath(room.id, other.members[0]!.token));
    expect(await raw.closed).toEqual({ code: 4403, reason: 'forbidden' });
    expect(raw.messages).toEqual([]);

    const bad = rawClient(server, tokenPath('not-a-room', other.members[0]!.token));
    expect(await bad.closed).toEqual({ code: 4404, reason: 'room_not_found' });
  });

  it('accepts the rk_session cookie from this origin only', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const cookie = `rk_session=${members[0]!.token}`;

    const own = rawClient(server, `/collab/${room.id}`, {
      headers: { cookie, origin: server.url },
    });
    await waitFor(() => own.messages.length > 0, 5000, 'sync step 1');
    expect([...own.messages[0]!.slice(0, 2)]).toEqual([0, 0]);

    const foreign = rawClient(server, `/collab/${room.id}`, {
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(await foreign.closed).toEqual({ code: 4401, reason: 'unauthorized' });
    expect(foreign.messages).toEqual([]);
  });

  it('a member who leaves is disconnected with 4401 left, and cannot come back', async () => {
    const server = await startServer();
    const { room, grace, graceDoc, adaDoc } = await pair(server);
    const response = await api(server, 'POST', `/api/rooms/${room.id}/leave`, {
      token: grace.token,
    });
    expect(response.status).toBe(204);
    await waitFor(() => graceDoc.closes.length > 0, 5000, 'Grace disconnected');
    expect(graceDoc.closes[0]).toEqual({ code: 4401, reason: 'left' });
    // The 44xx codes are final for a WebsocketProvider: it does not retry.
    await sleep(300);
    expect(graceDoc.closes).toHaveLength(1);
    expect(adaDoc.provider.wsconnected).toBe(true);

    const again = rawClient(server, tokenPath(room.id, grace.token));
    expect(await again.closed).toEqual({ code: 4401, reason: 'unauthorized' });
  });
});

describe('persistence', () => {
  it('the document survives everyone leaving: compacted to one snapshot, then reloaded', async () => {
    const server = await startServer();
    const { room, ada, adaDoc, graceDoc } = await pair(server);
    adaDoc.text.insert(0, 'function hello() {}\n');
    graceDoc.doc.getMap('meta').set('language', 'typescript');
    await waitFor(() => graceDoc.text.toJSON() === 'function hello() {}\n');
    await waitFor(() => adaDoc.doc.getMap('meta').get('language') === 'typescript');

    adaDoc.provider.destroy();
    graceDoc.provider.destroy();
    await waitFor(() => server.use('collab').openDocs === 0, 5000, 'doc unloaded');
    await server.use('collab').flush();
    const stored = await server.ctx.stores.docs.load(room.id);
    expect(stored.updates).toEqual([]);
    expect(stored.snapshot).toBeInstanceOf(Uint8Array);

    const fresh = openDoc(server, room.id, ada.token);
    await waitFor(() => fresh.provider.synced, 5000, 'fresh provider synced');
    expect(fresh.text.toJSON()).toBe('function hello() {}\n');
    expect(fresh.doc.getMap('meta').get('language')).toBe('typescript');
  });

  it('a small document is compacted after 200 updates, and the log empties when the last one leaves', async () => {
    const server = await startServer();
    const { room, adaDoc, graceDoc } = await pair(server);
    for (let i = 0; i < 250; i++) adaDoc.text.insert(adaDoc.text.length, 'x');
    await waitFor(() => graceDoc.text.length === 250, 5000, 'all edits relayed');
    await server.use('collab').flush();

    const stored = await server.ctx.stores.docs.load(room.id);
    expect(stored.snapshot).toBeInstanceOf(Uint8Array);
    expect(stored.updates).toHaveLength(50);
    const restored = new Y.Doc();
    Y.applyUpdate(restored, stored.snapshot!);
    for (const update of stored.updates) Y.applyUpdate(restored, update);
    expect(restored.getText('code').toJSON()).toBe('x'.repeat(250));

    adaDoc.provider.destroy();
    graceDoc.provider.destroy();
    await waitFor(() => server.use('collab').openDocs === 0, 5000, 'doc unloaded');
    await server.use('collab').flush();
    const compacted = await server.ctx.stores.docs.load(room.id);
    expect(compacted.updates).toEqual([]);
    const again = new Y.Doc();
    Y.applyUpdate(again, compacted.snapshot!);
    expect(again.getText('code').toJSON()).toBe('x'.repeat(250));
  });

  it('compacts a large document once its log is as large as the snapshot, not every 200 updates', async () => {
    const server = await startServer();
    const { room, adaDoc, graceDoc } = await pair(server);
    adaDoc.text.insert(0, 'p'.repeat(20_000));
    for (let i = 0; i < 199; i++) adaDoc.text.insert(adaDoc.text.length, 'x');
    await waitFor(() => graceDoc.text.length === 20_199, 5000, 'first 200 relayed');
    await server.use('collab').flush();
    // Nothing stored before: the first 200 updates are folded into a snapshot of about 20 KB.
    expect((await server.ctx.stores.docs.load(room.id)).updates).toEqual([]);

    for (let i = 0; i < 250; i++) adaDoc.text.insert(adaDoc.text.length, 'y');
    await waitFor(() => graceDoc.text.length === 20_449, 5000, 'next 250 relayed');
    await server.use('collab').flush();
    // A few KB of one-character updates: logged, not worth encoding the whole document for.
    const stored = await server.ctx.stores.docs.load(room.id);
    expect(stored.updates).toHaveLength(250);
    const restored = new Y.Doc();
    Y.applyUpdate(restored, stored.snapshot!);
    for (const update of stored.updates) Y.applyUpdate(restored, update);
    expect(restored.getText('code').toJSON()).toBe(graceDoc.text.toJSON());
  });

  it('compacts by bytes too: typing and deleting a lot keeps the stored log small', async () => {
    const server = await startServer();
    const { room, adaDoc, graceDoc } = await pair(server);
    for (let round = 1; round <= 6; round++) {
      adaDoc.text.insert(0, String(round).repeat(600_000));
      await waitFor(() => graceDoc.text.length === 600_000, 10_000, `insert ${round}`);
      adaDoc.text.delete(0, 600_000);
      await waitFor(() => graceDoc.text.length === 0, 10_000, `delete ${round}`);
    }
    await server.use('collab').flush();
    const stored = await server.ctx.stores.docs.load(room.id);
    const bytes =
      (stored.snapshot?.byteLength ?? 0) +
      stored.updates.reduce((sum, update) => sum + update.byteLength, 0);
    expect(stored.snapshot).toBeInstanceOf(Uint8Array);
    expect(bytes).toBeLessThan(2 * 1024 * 1024 + 700_000);
    expect(adaDoc.closes).toEqual([]);
  });

  it('counts the stored document in the memory budget, and lets it go with the room', async () => {
    const server = await startServer();
    const { room, adaDoc, graceDoc } = await pair(server);
    const before = server.ctx.accountant.usedBytes;
    adaDoc.text.insert(0, 'y'.repeat(100_000));
    await waitFor(() => graceDoc.text.length === 100_000);
    await server.use('collab').flush();
    expect(server.ctx.accountant.usedBytes - before).toBeGreaterThanOrEqual(100_000);
    await server.ctx.rooms.close(room.id, 'deleted');
    expect(server.ctx.accountant.usedBytes).toBeLessThanOrEqual(before);
  });
});

describe('memory', () => {
  it('counts the live document while it is open, and only the stored bytes once the last editor left', async () => {
    const server = await startServer();
    const { room, adaDoc, graceDoc } = await pair(server);
    const before = server.ctx.accountant.usedBytes;
    for (let i = 0; i < 100; i++) adaDoc.text.insert(adaDoc.text.length, `line ${i} of the code\n`);
    await waitFor(() => graceDoc.text.toJSON().endsWith('line 99 of the code\n'), 5000, 'typed');
    await server.use('collab').flush();
    const stored = await server.ctx.stores.docs.load(room.id);
    const storedBytes =
      (stored.snapshot?.byteLength ?? 0) + stored.updates.reduce((sum, u) => sum + u.byteLength, 0);
    // The stored bytes, and the live document at least as large again.
    expect(server.ctx.accountant.usedBytes - before).toBeGreaterThanOrEqual(2 * storedBytes);

    adaDoc.provider.destroy();
    graceDoc.provider.destroy();
    await waitFor(() => server.use('collab').openDocs === 0, 5000, 'doc unloaded');
    await server.use('collab').flush();
    const compacted = await server.ctx.stores.docs.load(room.id);
    expect(compacted.updates).toEqual([]);
    expect(server.ctx.accountant.usedBytes - before).toBe(compacted.snapshot!.byteLength);
  });

  it('refuses edits that add content while memory is critical (1013 overloaded), keeps deletions, and takes the edit once memory is relieved', async () => {
    const clock = new ManualClock();
    const server = await startServer({ MEMORY_BUDGET_BYTES: String(1024 * 1024) }, { clock });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const adaDoc = await openSynced(server, ada);
    const graceDoc = await openSynced(server, grace);
    adaDoc.text.insert(0, 'hello world');
    await waitFor(() => graceDoc.text.toJSON() === 'hello world', 5000, 'first edit');

    // Another room, with its editor connected (so it is not evicted), takes the memory: its
    // paste is accepted, and leaves the level critical.
    const other = await createRoom(server, { ttlSeconds: 60 });
    const bob = await join(server, other, 'Bob');
    const bobDoc = await openSynced(server, bob);
    bobDoc.text.insert(0, 'b'.repeat(600_000));
    await waitFor(() => server.ctx.accountant.level === 'critical', 10_000, 'critical');
    expect(bobDoc.closes).toEqual([]);

    adaDoc.text.insert(adaDoc.text.length, '!');
    await waitFor(() => adaDoc.closes.length > 0, 5000, 'Ada refused');
    expect(adaDoc.closes[0]).toEqual({ code: 1013, reason: 'overloaded' });
    // Deleting frees memory, so it goes through.
    graceDoc.text.delete(0, 6);
    await sleep(500);
    expect(graceDoc.text.toJSON()).toBe('world');
    expect(graceDoc.closes).toEqual([]);
    expect(server.ctx.accountant.level).toBe('critical');

    // The other room expires, and with it its document: the provider's retry now gets Ada's
    // edit in, and editing goes on.
    await clock.advance(61_000);
    await waitFor(() => server.ctx.accountant.level === 'ok', 5000, 'memory relieved');
    await waitFor(() => graceDoc.text.toJSON() === 'world!', 10_000, "Ada's edit after relief");
    graceDoc.text.insert(0, 'hello ');
    await waitFor(() => adaDoc.text.toJSON() === 'hello world!', 5000, 'editing again');
    const fresh = openDoc(server, room.id, ada.token);
    await waitFor(() => fresh.text.toJSON() === 'hello world!', 5000, "the room's document");
  });
});

describe('the room ends', () => {
  it('closes the collab sockets with 4410 room_closed when the room expires, and drops the document', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const room = await createRoom(server, { ttlSeconds: 60 });
    const ada = await join(server, room, 'Ada');
    const grace = await join(server, room, 'Grace');
    const adaDoc = await openSynced(server, ada);
    const graceDoc = await openSynced(server, grace);
    adaDoc.text.insert(0, 'soon gone');
    await waitFor(() => graceDoc.text.toJSON() === 'soon gone');

    await clock.advance(61_000);

    await waitFor(() => adaDoc.closes.length > 0 && graceDoc.closes.length > 0, 5000, 'closed');
    expect(adaDoc.closes[0]).toEqual({ code: 4410, reason: 'room_closed' });
    expect(graceDoc.closes[0]).toEqual({ code: 4410, reason: 'room_closed' });
    await server.use('collab').flush();
    expect(await server.ctx.stores.docs.load(room.id)).toMatchObject({ updates: [] });
    expect((await server.ctx.stores.docs.load(room.id)).snapshot).toBeUndefined();
    expect(server.use('collab').openDocs).toBe(0);

    const late = rawClient(server, tokenPath(room.id, ada.token));
    expect(await late.closed).toEqual({ code: 4410, reason: 'room_expired' });
  });
});

describe('shutdown', () => {
  it('closes collab sockets with 1001 server_shutdown and does not hold the server open', async () => {
    const server = await startServer();
    const { adaDoc, graceDoc } = await pair(server);
    adaDoc.text.insert(0, 'unsaved?');
    await waitFor(() => graceDoc.text.toJSON() === 'unsaved?');
    // Closing resolves although both documents are still connected.
    await server.close();
    await waitFor(() => adaDoc.closes.length > 0, 5000, 'closed');
    expect(adaDoc.closes[0]).toEqual({ code: 1001, reason: 'server_shutdown' });
  });
});

describe('size cap', () => {
  it(`an edit past ${CODE_MAX_CHARS} characters is refused: 4413 to the sender, nobody else sees it`, async () => {
    const server = await startServer();
    const { room, ada, adaDoc, graceDoc } = await pair(server);
    // Up to the cap is fine, measured exactly near it…
    adaDoc.text.insert(0, 'a'.repeat(1_000_000));
    await waitFor(() => graceDoc.text.length === 1_000_000, 10_000, 'a large edit relayed');
    adaDoc.text.insert(0, 'c'.repeat(CODE_MAX_CHARS - 1_000_000 - 6));
    await waitFor(() => graceDoc.text.length === CODE_MAX_CHARS - 6, 10_000, 'near the cap');
    expect(adaDoc.closes).toEqual([]);

    // …one character past it is not, however small the edit.
    graceDoc.text.insert(0, 'b'.repeat(7));
    await waitFor(() => graceDoc.closes.length > 0, 10_000, 'sender closed');
    expect(graceDoc.closes[0]).toEqual({ code: 4413, reason: 'document_too_large' });
    await sleep(200);
    expect(adaDoc.text.length).toBe(CODE_MAX_CHARS - 6);
    expect(adaDoc.text.toJSON().includes('b')).toBe(false);
    expect(adaDoc.provider.wsconnected).toBe(true);

    // The room's document is as it was, for anyone who opens it now, and editing goes on up to
    // exactly the cap.
    const fresh = openDoc(server, room.id, ada.token);
    await waitFor(() => fresh.provider.synced, 10_000, 'fresh provider synced');
    expect(fresh.text.length).toBe(CODE_MAX_CHARS - 6);
    adaDoc.text.insert(0, 'ok ok ');
    await waitFor(() => fresh.text.length === CODE_MAX_CHARS, 5000, 'edit up to the cap');
    expect(fresh.text.toJSON().startsWith('ok ok c')).toBe(true);
    expect(adaDoc.closes).toEqual([]);
  });

  it('one oversized paste into an empty document is refused the same way', async () => {
    const server = await startServer();
    const { adaDoc, graceDoc } = await pair(server);
    adaDoc.text.insert(0, 'z'.repeat(CODE_MAX_CHARS + 1));
    await waitFor(() => adaDoc.closes.length > 0, 10_000, 'sender closed');
    expect(adaDoc.closes[0]).toEqual({ code: 4413, reason: 'document_too_large' });
    await sleep(200);
    expect(graceDoc.text.length).toBe(0);
  });

  it('content outside the code text counts too: the encoded document stays under 2 MiB', async () => {
    const server = await startServer();
    const { adaDoc, graceDoc } = await pair(server);
    adaDoc.doc.getMap('other').set('a', 'q'.repeat(1_500_000));
    await waitFor(() => graceDoc.doc.getMap('other').get('a') !== undefined, 10_000, 'relayed');
    adaDoc.doc.getMap('other').set('b', 'r'.repeat(1_500_000));
    await waitFor(() => adaDoc.closes.length > 0, 10_000, 'sender closed');
    expect(adaDoc.closes[0]).toEqual({ code: 4413, reason: 'document_too_large' });
    await sleep(200);
    expect(graceDoc.doc.getMap('other').get('b')).toBeUndefined();
  });
});

describe('beside Socket.IO', () => {
  it('Socket.IO still connects and chats while a provider is connected, and /healthz answers', async () => {
    const server = await startServer();
    const { ada, grace, adaDoc, graceDoc } = await pair(server);
    const adaSocket = await connectWithState(server, ada.token);
    const graceSocket = await connectWithState(server, grace.token);
    const ack = await emitAck(adaSocket.socket, 'message:send', { body: 'hi over socket.io' });
    expect(ack.ok).toBe(true);
    await waitFor(() =>
      graceSocket.events.find(
        (e) => e.name === 'message:new' && e.payload.message.body === 'hi over socket.io',
      ),
    );
    adaDoc.text.insert(0, 'still editing');
    await waitFor(() => graceDoc.text.toJSON() === 'still editing');
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });

  it("collab sockets outlive engine.io's clean-up of upgrades it does not handle", async () => {
    const server = await startServer();
    const { adaDoc, graceDoc } = await pair(server);
    await sleep(1300);
    expect(adaDoc.provider.wsconnected).toBe(true);
    adaDoc.text.insert(0, 'after a second');
    await waitFor(() => graceDoc.text.toJSON() === 'after a second');
    expect(adaDoc.closes).toEqual([]);
  });

  it('an upgrade to any other path is not answered and is dropped', async () => {
    const server = await startServer();
    const raw = rawClient(server, '/elsewhere');
    await expect(raw.opened).rejects.toThrow();
  });
});

describe('heartbeat', () => {
  it('drops a peer that stops answering pings, and keeps one that answers', async () => {
    const server = await startServer({}, { collabHeartbeatMs: 100 });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const dead = rawClient(server, tokenPath(room.id, members[0]!.token), { autoPong: false });
    const alive = rawClient(server, tokenPath(room.id, members[1]!.token));
    await Promise.all([dead.opened, alive.opened]);
    const closed = await dead.closed;
    expect(closed.code).toBe(1006);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('hostile input', () => {
  async function connected(server: TestServer, member: Joined): Promise<RawClient> {
    const raw = rawClient(server, tokenPath(member.room.id, member.token));
    await waitFor(() => raw.messages.length > 0, 5000, 'sync step 1');
    return raw;
  }

  it('ignores unknown message types and answers the next valid message', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const raw = await connected(server, members[0]!);
    raw.ws.send(new Uint8Array([99, 1, 2, 3]));
    raw.ws.send(new Uint8Array([2, 0]));
    raw.ws.send(SYNC_STEP1_EMPTY);
    await waitFor(() => raw.messages.some((m) => m[0] === 0 && m[1] === 1), 5000, 'sync step 2');
    expect(raw.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes with 4400 on text frames and undecodable messages, and keeps serving others', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const frames: (string | Uint8Array)[] = [
      'hello',
      new Uint8Array([]),
      new Uint8Array([0]),
      new Uint8Array([0, 7, 0]),
      new Uint8Array([0, 2, 0xff, 0xff, 0xff, 0x7f]),
      new Uint8Array([0, 2, 5, 1, 2]),
      new Uint8Array([1, 3, 1, 2]),
      new Uint8Array([1, 6, 1, 1, 1, 3, 123, 120]),
    ];
    for (const frame of frames) {
      const raw = await connected(server, members[0]!);
      raw.ws.send(frame);
      expect((await raw.closed).code, String(frame)).toBe(4400);
    }

    // Random bytes behind each message type: refused or ignored, never a crash.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 8) & 0xff;
    for (let i = 0; i < 24; i++) {
      const raw = await connected(server, members[0]!);
      const frame = new Uint8Array(1 + (i % 8) * 37);
      frame[0] = i % 4;
      for (let j = 1; j < frame.length; j++) frame[j] = random();
      raw.ws.send(frame);
      raw.ws.send(SYNC_STEP1_EMPTY);
      const outcome = await Promise.race([
        raw.closed.then((close) => close.code),
        waitFor(() => raw.messages.some((m) => m[0] === 0 && m[1] === 1)).then(() => 'answered'),
      ]);
      expect([4400, 'answered']).toContain(outcome);
    }

    const adaDoc = await openSynced(server, members[0]!);
    adaDoc.text.insert(0, 'fine');
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('refuses a 3 MB frame (maxPayload): 1009, and the document is untouched', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const raw = await connected(server, members[0]!);
    const frame = new Uint8Array(3_000_000);
    frame[0] = 0;
    frame[1] = 2;
    raw.ws.send(frame);
    expect((await raw.closed).code).toBe(1009);
    const graceDoc = openDoc(server, room.id, members[1]!.token);
    await waitFor(() => graceDoc.provider.synced, 5000, 'synced');
    expect(graceDoc.text.length).toBe(0);
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });

  it("does not let a connection speak for another connection's awareness", async () => {
    const server = await startServer();
    const { room, adaDoc, graceDoc, grace } = await pair(server);
    adaDoc.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#e11d48' });
    const adaId = adaDoc.doc.clientID;
    await waitFor(() => graceDoc.provider.awareness.getStates().get(adaId)?.user?.name === 'Ada');

    // Mallory (Grace's token, a raw client) tries to rename Ada's cursor and then remove it.
    const raw = rawClient(server, tokenPath(room.id, grace.token));
    await waitFor(() => raw.messages.length > 0);
    const clock = 1000;
    for (const state of [{ user: { name: 'Mallory', color: '#000' } }, null]) {
      const json = new TextEncoder().encode(JSON.stringify(state));
      const update = encodeAwareness(adaId, clock, json);
      const message = new Uint8Array([1, ...varUint(update.length), ...update]);
      raw.ws.send(message);
    }
    await sleep(200);
    expect(graceDoc.provider.awareness.getStates().get(adaId)?.user?.name).toBe('Ada');
    expect(raw.ws.readyState).toBe(WebSocket.OPEN);
  });
});

function varUint(value: number): number[] {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return bytes;
}

function encodeAwareness(client: number, clock: number, json: Uint8Array): Uint8Array {
  return new Uint8Array([
    1,
    ...varUint(client),
    ...varUint(clock),
    ...varUint(json.length),
    ...json,
  ]);
}
