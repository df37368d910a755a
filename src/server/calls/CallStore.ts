import type { Redis } from 'ioredis';
import type { Call } from '../../protocol/calls.js';
import type { CallSfu } from './janus/SfuRelay.js';

/** A call that is going on (the protocol's `Call` without its `null`). */
export type OngoingCall = NonNullable<Call>;

/**
 * A call as kept: with the SFU, also its Janus room's number and secret and the participants'
 * handles there, which only the server sees.
 */
export type CallRecord = OngoingCall & { sfu?: CallSfu };

/** A room's call as read, with the version a write must still find to succeed. */
export interface StoredCall {
  call: CallRecord | null;
  version: string | null;
}

/**
 * Where rooms' calls are kept: in this process with one instance, in Redis with several, so every
 * instance answers the same `room:state.call`. Changes are compare-and-set (read, compute, write
 * if nobody wrote in between): two members joining at once through two instances cannot both take
 * the last place of a full call.
 */
export interface CallStore {
  read(roomId: string): Promise<StoredCall>;
  /** Writes `next` (`null` ends the call) if the call is still at `version`; false if it moved. */
  write(roomId: string, version: string | null, next: CallRecord | null): Promise<boolean>;
  /** Every call going on, by room (admin and metrics). */
  all(): Promise<Map<string, CallRecord>>;
}

export class MemoryCallStore implements CallStore {
  /** Each call as written and as read back: parsed once, never changed (changes replace it). */
  private readonly calls = new Map<string, { version: string; call: CallRecord }>();

  read(roomId: string): Promise<StoredCall> {
    const stored = this.calls.get(roomId);
    return Promise.resolve(stored ?? { call: null, version: null });
  }

  write(roomId: string, version: string | null, next: CallRecord | null): Promise<boolean> {
    if ((this.calls.get(roomId)?.version ?? null) !== version) return Promise.resolve(false);
    if (next === null) this.calls.delete(roomId);
    else this.calls.set(roomId, { version: JSON.stringify(next), call: next });
    return Promise.resolve(true);
  }

  all(): Promise<Map<string, CallRecord>> {
    return Promise.resolve(new Map([...this.calls].map(([roomId, { call }]) => [roomId, call])));
  }
}

/**
 * Sets KEYS[1] (the call) to ARGV[2] if it still holds ARGV[1] ('' for none), and keeps the set
 * of rooms with a call (KEYS[2]) in step; an empty ARGV[2] deletes. A call's key expires a day
 * after its last change, so a deployment that went down mid-call does not show it forever.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', 86400)
  redis.call('SADD', KEYS[2], ARGV[3])
end
return 1
`;

export class RedisCallStore implements CallStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async read(roomId: string): Promise<StoredCall> {
    return parsed(await this.redis.get(this.key(roomId)));
  }

  async write(roomId: string, version: string | null, next: CallRecord | null): Promise<boolean> {
    const written = await this.redis.eval(
      COMPARE_AND_SET,
      2,
      this.key(roomId),
      this.roomsKey(),
      version ?? '',
      next === null ? '' : JSON.stringify(next),
      roomId,
    );
    return written === 1;
  }

  async all(): Promise<Map<string, CallRecord>> {
    const roomIds = await this.redis.smembers(this.roomsKey());
    if (roomIds.length === 0) return new Map();
    const values = await this.redis.mget(roomIds.map((roomId) => this.key(roomId)));
    const calls = new Map<string, string>();
    roomIds.forEach((roomId, i) => {
      const value = values[i];
      if (value) calls.set(roomId, value);
    });
    return ongoing(calls);
  }

  private key(roomId: string): string {
    return `${this.prefix}call:${roomId}`;
  }

  private roomsKey(): string {
    return `${this.prefix}calls`;
  }
}

function parsed(version: string | null): StoredCall {
  return { call: version === null ? null : (JSON.parse(version) as CallRecord), version };
}

function ongoing(calls: Map<string, string>): Map<string, CallRecord> {
  return new Map([...calls].map(([roomId, value]) => [roomId, JSON.parse(value) as CallRecord]));
}
