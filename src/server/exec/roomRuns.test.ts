import { describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  openEvents,
  roomWith,
  startServer,
  waitFor,
  type TestServer,
} from '../../../test/helpers.js';

const run = (server: TestServer, roomId: string, token: string, code: string) =>
  api(server, 'POST', `/api/rooms/${roomId}/exec`, {
    token,
    body: { language: 'javascript', code },
  });

const stop = (server: TestServer, roomId: string, token: string) =>
  api(server, 'POST', `/api/rooms/${roomId}/exec/stop`, { token });

describe('a room\'s runs as room state (API.md, "Code execution", room:state `exec`)', () => {
  it('gives a member who connects later the last run: who, which language, its output, when', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = [members[0]!, members[1]!];
    const before = await connectWithState(server, grace.token);
    expect(before.state.exec).toEqual({ lastRun: null, running: [] });

    const answer = await run(server, room.id, ada.token, 'console.log("late")');
    expect(answer.status).toBe(200);

    const late = await connectWithState(server, grace.token);
    expect(late.state.exec.running).toEqual([]);
    expect(late.state.exec.lastRun).toMatchObject({
      memberId: ada.member.id,
      language: 'javascript',
      result: { stdout: 'late\n', exitCode: 0, timedOut: false },
    });
    expect(Date.parse(late.state.exec.lastRun.at)).toBeGreaterThan(Date.now() - 60_000);

    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;
    const sseState = await waitFor(() => stream.events.find((e) => e.name === 'room:state'));
    expect(sseState.data.exec.lastRun.result.stdout).toBe('late\n');
  });

  it('tells the whole room exec:started, then exec:result with the same runId, and shows the run going on', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = [members[0]!, members[1]!];
    const watcher = await connectWithState(server, grace.token);
    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;

    const answer = run(
      server,
      room.id,
      ada.token,
      'const end = Date.now() + 600; while (Date.now() < end) {} console.log("done")',
    );
    const started = await waitFor(() => watcher.events.find((e) => e.name === 'exec:started'));
    expect(started.payload).toEqual({
      memberId: ada.member.id,
      language: 'javascript',
      runId: expect.any(String),
    });
    const during = await connectWithState(server, grace.token);
    expect(during.state.exec.running).toEqual([started.payload]);

    expect((await answer).body.stdout).toBe('done\n');
    const result = await waitFor(() => watcher.events.find((e) => e.name === 'exec:result'));
    expect(result.payload).toMatchObject({ ...started.payload, result: { stdout: 'done\n' } });
    const names = watcher.events.map((e) => e.name).filter((n) => n.startsWith('exec:'));
    expect(names).toEqual(['exec:started', 'exec:result']);

    const sse = await waitFor(() => stream.events.find((e) => e.name === 'exec:result'));
    expect(sse.data.runId).toBe(started.payload.runId);
    expect(stream.events.find((e) => e.name === 'exec:started')?.data).toEqual(started.payload);
    const after = await connectWithState(server, grace.token);
    expect(after.state.exec.running).toEqual([]);
  });

  it("stops an endless loop at its member's request, long before the deadline, as a stopped result", async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = [members[0]!, members[1]!];
    const watcher = await connectWithState(server, grace.token);

    const answer = run(server, room.id, ada.token, 'while (true) {}');
    await waitFor(() => watcher.events.find((e) => e.name === 'exec:started'));
    expect((await stop(server, room.id, ada.token)).status).toBe(204);
    const { status, body } = await answer;
    // Stopped, not timed out: the loop ended before the run's deadline.
    expect(status).toBe(200);
    expect(body).toMatchObject({ exitCode: 137, stopped: true, timedOut: false });

    const result = await waitFor(() => watcher.events.find((e) => e.name === 'exec:result'));
    expect(result.payload.result).toMatchObject({ exitCode: 137, stopped: true });
    const summary = await waitFor(() =>
      watcher.events.find(
        (e) =>
          e.name === 'message:new' &&
          e.payload.message.type === 'system' &&
          /ran/.test(e.payload.message.body),
      ),
    );
    expect(summary.payload.message.body).toMatch(/^Ada ran JavaScript: stopped in \d+ ms$/);
    const late = await connectWithState(server, grace.token);
    expect(late.state.exec).toMatchObject({ lastRun: { result: { stopped: true } }, running: [] });
  });

  it('lets a member stop only their own run', async () => {
    const server = await startServer({}, { exec: { wallMs: 1500 } });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = [members[0]!, members[1]!];
    const watcher = await connectWithState(server, grace.token);

    const answer = run(server, room.id, ada.token, 'while (true) {}');
    await waitFor(() => watcher.events.find((e) => e.name === 'exec:started'));
    const refused = await stop(server, room.id, grace.token);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('not_found');

    const { body } = await answer;
    expect(body).toMatchObject({ timedOut: true, exitCode: 137 });
    expect(body.stopped).toBeUndefined();
    expect((await stop(server, room.id, ada.token)).status).toBe(404);
  });
});
