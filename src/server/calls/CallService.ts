import { Gauge, Histogram, type Registry } from 'prom-client';
import {
  isSfuTarget,
  SFU_MAX_PARTICIPANTS,
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
import type { CallRecord, CallStore, OngoingCall } from './CallStore.js';
import { iceServersFor } from './iceServers.js';
import type { JanusClient } from './janus/JanusClient.js';
import { SfuRelay, type CallSfu, type SfuLink } from './janus/SfuRelay.js';
import { VideoRooms } from './janus/VideoRooms.js';

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
 * other — up to the mesh size, and past it (or when a screen is shared among three or more) goes
 * through Janus when `CALLS_SFU` is set: then each participant connects to the SFU only. Signals
 * are volatile (decision 021): delivered to the addressed member's connections of the moment,
 * never kept for a reconnect.
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
  /** The SFU's side of calls, with `CALLS_SFU`. */
  private readonly sfu: SfuRelay | undefined;

  constructor(
    private readonly ctx: RoomkitContext,
    private readonly store: CallStore,
    registry: Registry,
    options: Partial<CallOptions> = {},
    janus?: JanusClient,
  ) {
    this.options = { ...defaultCallOptions, ...options };
    this.sfu =
      janus &&
      new SfuRelay(janus, new VideoRooms(janus), ctx.bus, ctx.log, {
        saveLink: (...link) => this.saveLink(...link),
        replaceRoom: (roomId, janusRoom) => this.replaceSfuRoom(roomId, janusRoom),
      });
    this.signals = ctx.limiters.open('signals');
    ctx.rooms.contributeState('call', ({ room }) => this.state(room.id));
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
    return view((await this.store.read(roomId)).call);
  }

  /** Every call going on, by room (admin). */
  async all(): Promise<Map<string, OngoingCall>> {
    const calls = await this.store.all();
    return new Map([...calls].map(([roomId, call]) => [roomId, view(call)]));
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
      const topology = this.topologyFor(participants, 'join');
      return { ...call, participants, topology, startedAt: call?.startedAt ?? since };
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
      return { ...call, participants, topology: this.topologyFor(participants, 'update') };
    });
  }

  /** `call:leave`: the member's part ends; the others get its `hangup`. */
  async leaveCall({ room, member }: Membership): Promise<void> {
    this.cancelGrace(room.id, member.id);
    await this.leave(room.id, member.id, 'left');
  }

  /**
   * `signal`: relays an offer, answer, candidate or hangup to one other participant of the same
   * call — to their connections on whichever instance, now or never — or, in a call through the
   * SFU, to the SFU (`to: "sfu:publish" | "sfu:subscribe"`).
   */
  async signal({ room, member }: Membership, input: SignalInput): Promise<void> {
    if (input.to === member.id)
      throw new AppError('invalid_request', 'A signal goes to another member.', {
        details: [{ path: 'to', message: 'is the sender' }],
      });
    const [, { call }] = await Promise.all([
      this.signals.consume(member.id),
      this.store.read(room.id),
    ]);
    const inCall = (memberId: string) => call?.participants.some((p) => p.memberId === memberId);
    if (!inCall(member.id)) throw notInCall();
    const { to } = input;
    if (isSfuTarget(to) && this.sfu && call?.sfu) {
      await this.sfu.receive(room.id, member.id, call.sfu, { ...input, to }).catch((error) => {
        if (error instanceof AppError) throw error;
        this.ctx.log.warn({ err: error, roomId: room.id }, 'calls: Janus refused a signal');
        throw new AppError('upstream_failed', 'The call server did not take the signal.');
      });
      return;
    }
    if (!inCall(to))
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

  async close(): Promise<void> {
    this.unsubscribe();
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
    this.graceTimers.clear();
    await this.sfu?.close();
  }

  /** Ends the member's part (if it has one), tells the others, and ends an empty call. */
  private async leave(roomId: string, memberId: string, reason: LeaveReason): Promise<void> {
    let others: CallParticipant[] = [];
    await this.change(roomId, (call) => {
      if (!call?.participants.some((p) => p.memberId === memberId)) return call;
      others = call.participants.filter((p) => p.memberId !== memberId);
      if (others.length === 0) return null;
      return { ...call, participants: others, topology: this.topologyFor(others, 'update') };
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
   * change got there first, and tells the room when what it sees of the call changed. A call
   * that moves onto the SFU gets its Janus room here, before it is written; one that leaves it
   * (or ends) has its Janus room destroyed once written.
   */
  private async change(
    roomId: string,
    next: (call: CallRecord | null) => CallRecord | null,
    { publish = true } = {},
  ): Promise<Call> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { call, version } = await this.store.read(roomId);
      const proposed = next(call);
      if (proposed === call) return view(call);
      const { changed, opened } = await this.placeOnSfu(proposed);
      if (await this.store.write(roomId, version, changed)) {
        await this.followOnSfu(roomId, call, changed);
        const seen = view(changed);
        if (publish && JSON.stringify(seen) !== JSON.stringify(view(call)))
          this.ctx.bus.publish({ roomId, name: 'call:state', payload: { call: seen } });
        return seen;
      }
      if (opened) await this.sfu?.rooms.destroy(opened).catch(() => {});
    }
    throw new AppError('overloaded', 'The call is changing too fast; try again.', {
      headers: { 'Retry-After': '1' },
    });
  }

  /**
   * The call as it is to be written: with a Janus room when it goes through the SFU (a new one
   * if it had none: `opened`), without one otherwise, and with handles only for participants.
   */
  private async placeOnSfu(
    call: CallRecord | null,
  ): Promise<{ changed: CallRecord | null; opened?: CallSfu }> {
    if (!call) return { changed: null };
    const { sfu, ...rest } = call;
    if (call.topology === 'mesh' || !this.sfu) return { changed: rest };
    if (sfu) {
      const here = new Set(call.participants.map((p) => p.memberId));
      const links = Object.fromEntries(Object.entries(sfu.links).filter(([id]) => here.has(id)));
      return { changed: { ...rest, sfu: { ...sfu, links } } };
    }
    let room;
    try {
      room = await this.sfu.rooms.create();
    } catch (error) {
      this.ctx.log.error({ err: error }, 'calls: Janus cannot make a room for a call');
      throw new AppError('upstream_failed', 'The call server cannot be reached; try again.');
    }
    const opened = { ...room, links: {} };
    return { changed: { ...rest, sfu: opened }, opened };
  }

  /**
   * What a written change means for Janus: a room the call left is destroyed (Janus hangs up its
   * connections), newcomers' tokens are allowed in, and those who left are let go.
   */
  private async followOnSfu(roomId: string, before: CallRecord | null, after: CallRecord | null) {
    const relay = this.sfu;
    if (!relay) return;
    const was = before?.sfu;
    const now = after?.sfu;
    const stay = was && now && was.id === now.id;
    try {
      if (was && !stay) {
        relay.forgetRoom(roomId);
        await relay.rooms.destroy(was);
      }
      if (!now || !after) return;
      const ids = (call: CallRecord | null) => call?.participants.map((p) => p.memberId) ?? [];
      const previous = stay ? ids(before) : [];
      const current = ids(after);
      const joined = current.filter((id) => !previous.includes(id));
      const left = previous.filter((id) => !current.includes(id));
      if (joined.length > 0) await relay.rooms.allow(now, joined);
      if (left.length > 0) await relay.rooms.disallow(now, left);
      for (const memberId of left) await relay.drop(roomId, memberId, was?.links[memberId]);
    } catch (error) {
      this.ctx.log.error({ err: error, roomId }, 'calls: Janus did not follow a call’s change');
    }
  }

  /** The call's Janus room is gone: the next write makes a new one, and lets everyone in. */
  private async replaceSfuRoom(roomId: string, janusRoom: number): Promise<void> {
    await this.change(
      roomId,
      (call) => {
        if (call?.sfu?.id !== janusRoom) return call;
        const { sfu: _gone, ...rest } = call;
        return rest;
      },
      { publish: false },
    );
  }

  /** Keeps a participant's Janus handles with the call (null forgets them). */
  private async saveLink(
    roomId: string,
    memberId: string,
    janusRoom: number,
    link: SfuLink | null,
  ): Promise<boolean> {
    let saved = false;
    await this.change(
      roomId,
      (call) => {
        saved = false;
        const sfu = call?.sfu;
        if (!sfu || sfu.id !== janusRoom) return call;
        if (!call.participants.some((p) => p.memberId === memberId)) return call;
        saved = true;
        const { [memberId]: _old, ...links } = sfu.links;
        return { ...call, sfu: { ...sfu, links: link ? { ...links, [memberId]: link } : links } };
      },
      { publish: false },
    );
    return saved;
  }

  /**
   * Where a call of `participants` goes: a mesh while it fits one (up to 4 people with video or
   * a screen, 8 with audio only); past that, or when a screen is shared among three or more,
   * through the SFU when there is one (up to 32 people). Without an SFU, the joiner or the
   * camera that would tip the mesh over is refused.
   */
  private topologyFor(participants: CallParticipant[], what: 'join' | 'update') {
    const withVideo = participants.some((p) => p.video || p.screen);
    const { meshMax } = this.ctx.config.calls;
    const meshLimit = withVideo ? meshMax.video : meshMax.audio;
    const sharing = participants.length > 2 && participants.some((p) => p.screen);
    if (!this.sfu) {
      if (participants.length <= meshLimit) return 'mesh';
      throw callFull(what, { ...meshMax, limit: meshLimit });
    }
    if (participants.length <= meshLimit && !sharing) return 'mesh';
    if (participants.length <= SFU_MAX_PARTICIPANTS) return 'sfu';
    throw callFull(what);
  }

  private now(): string {
    return new Date(this.ctx.clock.now()).toISOString();
  }
}

/**
 * The refusal of the joiner (or the camera) past the largest call this server holds: the mesh's
 * sizes without an SFU, the SFU's with one.
 */
function callFull(
  what: 'join' | 'update',
  mesh?: { video: number; audio: number; limit: number },
): AppError {
  if (!mesh) {
    const limit = SFU_MAX_PARTICIPANTS;
    return new AppError('forbidden', `This call is full: calls here hold up to ${limit} people.`, {
      details: { reason: 'call_full', limit },
    });
  }
  const message =
    what === 'join'
      ? `This call is full: calls here hold up to ${mesh.video} people with video or ${mesh.audio} with audio only.`
      : `Video is available in calls of up to ${mesh.video} people here.`;
  return new AppError('forbidden', message, {
    details: { reason: 'call_full', limit: mesh.limit },
  });
}

/** What members see of a call: without its Janus room and handles. */
function view(call: CallRecord): OngoingCall;
function view(call: CallRecord | null): Call;
function view(call: CallRecord | null): Call {
  if (!call) return null;
  const { participants, topology, startedAt } = call;
  return { participants, topology, startedAt };
}

function notInCall(): AppError {
  return new AppError('forbidden', 'You are not in this call; join it first.', {
    details: { reason: 'not_in_call' },
  });
}

function definedOnly(input: CallUpdateInput): Partial<CallParticipant> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
