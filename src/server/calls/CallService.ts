import { Gauge, Histogram, type Registry } from 'prom-client';
import {
  MESH_MAX_AUDIO_ONLY,
  MESH_MAX_WITH_VIDEO,
  type Call,
  type CallJoinInput,
  type CallParticipant,
  type CallQualityInput,
  type CallUpdateInput,
  type IceServersResponse,
  type SignalInput,
} from '../../protocol/calls.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import type { Membership } from '../core/Membership.js';
import type { RateLimiter } from '../core/RateLimiter.js';
import type { CallStore, OngoingCall } from './CallStore.js';
import { iceServersFor } from './iceServers.js';

export interface CallOptions {
  /** How long a participant whose connections all dropped stays in the call (default 15 s). */
  graceMs: number;
}

export const defaultCallOptions: CallOptions = { graceMs: 15_000 };

/** Why a member's part in a call ended, as the others' `hangup` says. */
type LeaveReason = 'left' | 'connection_lost' | 'removed';

/** Most attempts at a change that keeps finding the call changed under it. */
const MAX_ATTEMPTS = 20;

/** One participant's latest figures, as its client reported them. */
interface QualityReport {
  peers: CallQualityInput['peers'];
  at: number;
}

/**
 * Rooms' calls: who is in each and with what (`call:state`, `room:state.call`), and the relay of
 * members' WebRTC signals to one another. A call is a mesh — each participant connects to each
 * other — up to the mesh size; signals are volatile (decision 021): delivered to the addressed
 * member's connections of the moment, never kept for a reconnect.
 */
export class CallService {
  private readonly options: CallOptions;
  private readonly signals: RateLimiter;
  /** Members whose connections dropped while in a call: their part ends when the timer fires. */
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** roomId → memberId → what its client last reported (this instance's clients). */
  private readonly quality = new Map<string, Map<string, QualityReport>>();
  private readonly rtt: Histogram<'candidate_type'>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: RoomkitContext,
    private readonly store: CallStore,
    registry: Registry,
    options: Partial<CallOptions> = {},
  ) {
    this.options = { ...defaultCallOptions, ...options };
    this.signals = ctx.limiters.open('signals');
    ctx.rooms.contributeState('call', async ({ room }) => (await store.read(room.id)).call);
    ctx.rooms.on('offline', (room, member) => this.holdPlace(room.id, member.id));
    ctx.rooms.on('left', (room, member) => this.leave(room.id, member.id, 'removed'));
    // A room's end ends its call; its members have been told the room closed.
    ctx.rooms.on('closing', async (room) => {
      await this.change(room.id, () => null, { publish: false });
    });
    // Every instance forgets the reports it kept of a room that ended, wherever it ended.
    this.unsubscribe = ctx.bus.subscribe((event) => {
      if (event.name === 'room:closed') this.quality.delete(event.roomId);
    });

    // One scrape collects both gauges at once: they share one read of the calls.
    let reading: Promise<Map<string, OngoingCall>> | undefined;
    const calls = () =>
      (reading ??= store.all().finally(() => {
        reading = undefined;
      }));
    new Gauge({
      name: 'roomkit_calls',
      help: 'Calls going on, by topology.',
      labelNames: ['topology'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const call of (await calls()).values()) this.inc({ topology: call.topology });
      },
    });
    new Gauge({
      name: 'roomkit_call_participants',
      help: 'People in calls, by topology.',
      labelNames: ['topology'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const call of (await calls()).values())
          this.inc({ topology: call.topology }, call.participants.length);
      },
    });
    this.rtt = new Histogram({
      name: 'roomkit_call_rtt_seconds',
      help: "Round-trip times participants' clients report, by the candidate type in use.",
      labelNames: ['candidate_type'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6],
      registers: [registry],
    });
  }

  async state(roomId: string): Promise<Call> {
    return (await this.store.read(roomId)).call;
  }

  /** Every call going on, by room (admin). */
  all(): Promise<Map<string, OngoingCall>> {
    return this.store.all();
  }

  /** `call:join`: enters the call (starting it if none); joining again starts the part afresh. */
  async join({ room, member }: Membership, input: CallJoinInput): Promise<Call> {
    // Each change goes to the whole room: it spends from the member's signalling budget.
    await this.signals.consume(member.id);
    this.cancelGrace(room.id, member.id);
    const since = this.now();
    return this.change(room.id, (call) => {
      const others = call?.participants.filter((p) => p.memberId !== member.id) ?? [];
      const joining: CallParticipant = { memberId: member.id, ...input, screen: false, since };
      const participants = [...others, joining];
      checkMeshSize(participants, 'join');
      return { participants, topology: 'mesh', startedAt: call?.startedAt ?? since };
    });
  }

  /** `call:update`: the member's microphone, camera or screen share went on or off. */
  async update({ room, member }: Membership, input: CallUpdateInput): Promise<Call> {
    await this.signals.consume(member.id);
    return this.change(room.id, (call) => {
      const own = call?.participants.find((p) => p.memberId === member.id);
      if (!call || !own) throw notInCall();
      const participants = call.participants.map((p) =>
        p === own ? { ...own, ...definedOnly(input) } : p,
      );
      checkMeshSize(participants, 'update');
      return { ...call, participants };
    });
  }

  /** `call:leave`: the member's part ends; the others get its `hangup`. */
  async leaveCall({ room, member }: Membership): Promise<void> {
    this.cancelGrace(room.id, member.id);
    await this.leave(room.id, member.id, 'left');
  }

  /**
   * `signal`: relays an offer, answer, candidate or hangup to one other participant of the same
   * call — to their connections on whichever instance, now or never.
   */
  async signal({ room, member }: Membership, input: SignalInput): Promise<void> {
    if (input.to === member.id)
      throw new AppError('invalid_request', 'A signal goes to another member.', {
        details: [{ path: 'to', message: 'is the sender' }],
      });
    const [, call] = await Promise.all([this.signals.consume(member.id), this.state(room.id)]);
    const inCall = (memberId: string) => call?.participants.some((p) => p.memberId === memberId);
    if (!inCall(member.id)) throw notInCall();
    if (!inCall(input.to))
      throw new AppError('not_found', 'No such member in this call.', {
        details: [{ path: 'to', message: 'not in the call' }],
      });
    this.ctx.bus.publish({
      roomId: room.id,
      name: 'signal',
      to: input.to,
      payload: { from: member.id, type: input.type, data: input.data ?? null },
    });
  }

  /** `call:quality`: keeps the member's latest figures for admin and metrics. */
  reportQuality({ room, member }: Membership, input: CallQualityInput): void {
    let reports = this.quality.get(room.id);
    if (!reports) {
      reports = new Map();
      this.quality.set(room.id, reports);
    }
    reports.set(member.id, { peers: input.peers, at: this.ctx.clock.now() });
    for (const peer of input.peers) {
      if (peer.rttMs !== null)
        this.rtt.observe({ candidate_type: peer.candidateType ?? 'unknown' }, peer.rttMs / 1000);
    }
  }

  /** What the room's participants' clients last reported here, by member. */
  qualityIn(roomId: string): Map<string, QualityReport> {
    return new Map(this.quality.get(roomId));
  }

  /** STUN and TURN servers for the member, with short-lived TURN credentials of its own. */
  iceServers({ member }: Membership): IceServersResponse {
    const { iceServers, turnSecret } = this.ctx.config.calls;
    return iceServersFor(iceServers, turnSecret, member.id, this.ctx.clock.now());
  }

  close(): void {
    this.unsubscribe();
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
    this.graceTimers.clear();
  }

  /** Ends the member's part (if it has one), tells the others, and ends an empty call. */
  private async leave(roomId: string, memberId: string, reason: LeaveReason): Promise<void> {
    let others: CallParticipant[] = [];
    await this.change(roomId, (call) => {
      if (!call?.participants.some((p) => p.memberId === memberId)) return call;
      others = call.participants.filter((p) => p.memberId !== memberId);
      return others.length === 0 ? null : { ...call, participants: others };
    });
    this.quality.get(roomId)?.delete(memberId);
    for (const other of others) {
      this.ctx.bus.publish({
        roomId,
        name: 'signal',
        to: other.memberId,
        payload: { from: memberId, type: 'hangup', data: { reason } },
      });
    }
  }

  /**
   * A participant whose last connection closed keeps their place for the grace period: a reload
   * or a network change reconnects within it and joins again. After it, if they are still
   * offline, their part ends.
   */
  private async holdPlace(roomId: string, memberId: string): Promise<void> {
    const call = await this.state(roomId);
    if (!call?.participants.some((p) => p.memberId === memberId)) return;
    const key = `${roomId}/${memberId}`;
    clearTimeout(this.graceTimers.get(key));
    const timer = setTimeout(() => {
      this.graceTimers.delete(key);
      void this.endIfStillAway(roomId, memberId);
    }, this.options.graceMs);
    timer.unref();
    this.graceTimers.set(key, timer);
  }

  private async endIfStillAway(roomId: string, memberId: string): Promise<void> {
    try {
      if ((await this.ctx.presence.online(roomId)).has(memberId)) return;
      await this.leave(roomId, memberId, 'connection_lost');
    } catch (error) {
      this.ctx.log.error({ err: error, roomId }, 'calls: ending an absent member’s part failed');
    }
  }

  private cancelGrace(roomId: string, memberId: string): void {
    const key = `${roomId}/${memberId}`;
    clearTimeout(this.graceTimers.get(key));
    this.graceTimers.delete(key);
  }

  /**
   * Changes the room's call with `next` (which may throw to refuse), retrying when another
   * change got there first, and tells the room when it changed.
   */
  private async change(
    roomId: string,
    next: (call: OngoingCall | null) => OngoingCall | null,
    { publish = true } = {},
  ): Promise<Call> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { call, version } = await this.store.read(roomId);
      const changed = next(call);
      if (changed === call) return call;
      if (await this.store.write(roomId, version, changed)) {
        if (publish)
          this.ctx.bus.publish({ roomId, name: 'call:state', payload: { call: changed } });
        return changed;
      }
    }
    throw new AppError('overloaded', 'The call is changing too fast; try again.', {
      headers: { 'Retry-After': '1' },
    });
  }

  private now(): string {
    return new Date(this.ctx.clock.now()).toISOString();
  }
}

/**
 * A mesh sends each participant's media to each other one: past 4 people with video (or a screen)
 * or 8 with audio only, the next joiner — or the camera that would tip it over — is refused.
 */
function checkMeshSize(participants: CallParticipant[], what: 'join' | 'update'): void {
  const withVideo = participants.some((p) => p.video || p.screen);
  const limit = withVideo ? MESH_MAX_WITH_VIDEO : MESH_MAX_AUDIO_ONLY;
  if (participants.length <= limit) return;
  const message =
    what === 'join'
      ? `This call is full: calls here hold up to ${MESH_MAX_WITH_VIDEO} people with video or ${MESH_MAX_AUDIO_ONLY} with audio only.`
      : `Video is available in calls of up to ${MESH_MAX_WITH_VIDEO} people here.`;
  throw new AppError('forbidden', message, { details: { reason: 'call_full', limit } });
}

function notInCall(): AppError {
  return new AppError('forbidden', 'You are not in this call; join it first.', {
    details: { reason: 'not_in_call' },
  });
}

function definedOnly(input: CallUpdateInput): Partial<CallParticipant> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
