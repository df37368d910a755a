import { describe, expect, it } from 'vitest';
import {
  applyExecEvent,
  EXEC_UNAVAILABLE,
  formatDuration,
  noRoomExec,
  parseLanguages,
  parseResult,
  parseResultEvent,
  parseRoomExec,
  runBlocker,
} from './exec.js';

const result = {
  stdout: 'hi\n',
  stderr: '',
  exitCode: 0,
  timedOut: false,
  truncated: false,
  durationMs: 12,
  stopped: false,
};

describe('runBlocker', () => {
  it('explains that nothing runs when the server has no languages endpoint', () => {
    expect(runBlocker({ state: 'unavailable' }, 'javascript', 'JavaScript')).toBe(
      "Code execution isn't available on this server.",
    );
    expect(runBlocker({ state: 'ready', languages: [] }, 'python', 'Python')).toBe(
      EXEC_UNAVAILABLE,
    );
  });

  it('runs only the languages the server lists', () => {
    const support = {
      state: 'ready' as const,
      languages: [{ id: 'python', name: 'Python', version: '3.12', driver: 'wasm' }],
    };
    expect(runBlocker(support, 'python', 'Python')).toBeNull();
    expect(runBlocker(support, 'go', 'Go')).toBe("This server can't run Go code.");
  });
});

describe('parsing what the server sends', () => {
  it('reads a result and fills what is missing', () => {
    expect(parseResult(result)).toEqual(result);
    expect(parseResult({ stdout: '', stderr: 'x' })).toEqual({
      stdout: '',
      stderr: 'x',
      exitCode: null,
      timedOut: false,
      truncated: false,
      durationMs: 0,
      stopped: false,
    });
    expect(parseResult({ stdout: 1 })).toBeNull();
    expect(parseResult(null)).toBeNull();
  });

  it('reads exec:result events', () => {
    expect(parseResultEvent({ memberId: 'm', language: 'python', result })).toEqual({
      memberId: 'm',
      language: 'python',
      result,
    });
    expect(parseResultEvent({ memberId: 'm', language: 'python' })).toBeNull();
    expect(
      parseResultEvent({ memberId: 'm', language: 'python', runId: 'r', result }),
    ).toMatchObject({ runId: 'r' });
  });

  it("reads room:state's exec, and an older server's lack of it", () => {
    const at = '2026-01-02T03:04:05.000Z';
    const run = { memberId: 'g', language: 'javascript', runId: 'r2' };
    expect(
      parseRoomExec({
        lastRun: { memberId: 'm', language: 'python', result, at },
        running: [run, { memberId: 1 }],
      }),
    ).toEqual({
      lastRun: { memberId: 'm', language: 'python', result, at: new Date(at) },
      running: [run],
    });
    expect(parseRoomExec({ lastRun: null, running: [] })).toEqual(noRoomExec);
    expect(parseRoomExec(undefined)).toBeNull();
  });

  it('keeps well-formed languages only', () => {
    expect(parseLanguages([{ id: 'js', name: 'JavaScript' }, { id: 3 }])).toEqual([
      { id: 'js', name: 'JavaScript', version: '', driver: '' },
    ]);
    expect(parseLanguages({ error: {} })).toBeNull();
  });
});

describe('applyExecEvent', () => {
  it('adds a started run once, and a result ends it and becomes the last run', () => {
    const run = { memberId: 'a', language: 'javascript', runId: 'r1' };
    const started = applyExecEvent(noRoomExec, { type: 'started', run });
    expect(started.running).toEqual([run]);
    expect(applyExecEvent(started, { type: 'started', run })).toBe(started);
    const at = new Date(5);
    const ended = applyExecEvent(started, {
      type: 'result',
      result: { ...run, result: { ...result, stopped: true } },
      at,
    });
    expect(ended.running).toEqual([]);
    expect(ended.lastRun).toMatchObject({ memberId: 'a', at, result: { stopped: true } });
  });
});

describe('formatDuration', () => {
  it('uses milliseconds under a second', () => {
    expect(formatDuration(42.4)).toBe('42 ms');
    expect(formatDuration(1250)).toBe('1.3 s');
    expect(formatDuration(12_300)).toBe('12 s');
  });
});
