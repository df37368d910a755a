import type { FastifyBaseLogger } from 'fastify';
import {
  SFU_PUBLISH,
  SFU_SUBSCRIBE,
  type SfuStream,
  type SfuTarget,
  type SignalInput,
  type SignalType,
} from '../../../protocol/calls.js';
import { AppError } from '../../core/AppError.js';
import type { RoomEventBus } from '../../core/RoomEventBus.js';
import {
  JanusError,
  NO_SUCH_SESSION,
  type JanusClient,
  type JanusEvent,
  type JanusHandle,
  type JanusSession,
} from './JanusClient.js';
import { publishedLines } from './sdpRoles.js';
import type { SfuRoom, VideoRooms } from './VideoRooms.js';

const PLUGIN = 'janus.plugin.videoroom';

/** A participant's handles in Janus, as kept with the call so every instance can reach them. */
export interface SfuLink {
  session: number;
  publisher: number;
  subscriber: number | null;
}

/** The SFU side of a call: its Janus room and each participant's handles. */
export interface CallSfu extends SfuRoom {
  links: Record<string, SfuLink>;
}

/** What the relay asks of the calls it carries. */
export interface SfuCalls {
  /** Keeps (or, with null, forgets) a participant's link with its call; false if it is gone. */
  saveLink(
    roomId: string,
    memberId: string,
    janusRoom: number,
    link: SfuLink | null,
  ): Promise<boolean>;
  /** The call's Janus room is gone (Janus restarted): the call gets a new one. */
  replaceRoom(roomId: string, janusRoom: number): Promise<void>;
}

/** VideoRoom's error code for a room it does not know. */
const NO_SUCH_ROOM = 426;
/** Janus's answers to a request on a session or a handle it no longer has. */
const GONE = new Set([NO_SUCH_SESSION, 459]);

/** A participant's handles opened by this instance, whose events this instance hears. */
interface HeldLink {
  roomId: string;
  memberId: string;
  room: SfuRoom;
  publisher: JanusHandle;
  subscriber: JanusHandle | null;
  /** The publisher's private id in the room, which its subscriptions must show. */
  privateId: number | null;
  feedId: number | null;
  /** Feeds subscribed to or being subscribed to. */
  subscribed: Set<number>;
  /** Subscription changes, one after another. */
  queue: Promise<void>;
}

/** A publisher of the room, as Janus lists it in `publishers`. */
interface Publisher {
  id: number;
}

/**
 * Carries a call through Janus's VideoRoom (`CALLS_SFU`): each participant's `sfu:publish`
 * connection becomes a publisher of the call's room, and its `sfu:subscribe` connection one
 * subscription to every other publisher, renegotiated by Janus as people come and go. Members
 * keep signalling through Roomkit; Janus is reached only by Roomkit.
 *
 * The handles a participant's offer opens are this instance's (one Janus session, its long poll
 * delivering their events); their ids are kept with the call so another instance that gets the
 * participant's next signal can pass it on, and Janus's answers reach the member through the bus.
 */
export class SfuRelay {
  private session: Promise<JanusSession> | undefined;
  private readonly byHandle = new Map<number, HeldLink>();
  private readonly byMember = new Map<string, HeldLink>();

  constructor(
    private readonly client: JanusClient,
    readonly rooms: VideoRooms,
    private readonly bus: RoomEventBus,
    private readonly log: FastifyBaseLogger,
    private readonly calls: SfuCalls,
  ) {}

  /** A participant's signal to the SFU, in a call whose Janus side is `sfu`. */
  async receive(
    roomId: string,
    memberId: string,
    sfu: CallSfu,
    signal: SignalInput & { to: SfuTarget },
  ): Promise<void> {
    try {
      await this.pass(roomId, memberId, sfu, signal);
    } catch (error) {
      if (!(error instanceof JanusError && GONE.has(error.code ?? 0))) throw error;
      // The handles kept with the call are gone (the instance holding them stopped, or Janus
      // timed them out): the member starts over on new ones.
      const held = this.byMember.get(key(roomId, memberId));
      if (held) this.forget(held);
      await this.calls.saveLink(roomId, memberId, sfu.id, null);
      this.tell({ roomId, memberId }, SFU_PUBLISH, 'hangup', { reason: 'restart' });
    }
  }

  private async pass(
    roomId: string,
    memberId: string,
    sfu: CallSfu,
    signal: SignalInput & { to: SfuTarget },
  ): Promise<void> {
    const held = this.byMember.get(key(roomId, memberId));
    const local = held?.room.id === sfu.id ? held : undefined;
    const link = sfu.links[memberId];
    if (signal.to === SFU_PUBLISH && signal.type === 'offer' && !link) {
      const jsep = { type: 'offer', sdp: signal.data.sdp };
      return this.publish(roomId, memberId, sfu, jsep, publishedLines(signal.data.sdp));
    }
    const handles = this.handlesOf(local, link);
    const handle = signal.to === SFU_PUBLISH ? handles.publisher : handles.subscriber;
    if (!handle) {
      // Nothing to hang up; anything else needs the connection the member's offer makes.
      if (signal.type === 'hangup') return;
      throw new AppError('not_found', 'No connection to the SFU yet: send an offer first.', {
        details: [{ path: 'to', message: 'no connection yet' }],
      });
    }
    switch (signal.type) {
      case 'offer':
        // A renegotiation or an ICE restart of the member's sending side.
        if (signal.to !== SFU_PUBLISH) return;
        return handle.message(
          { request: 'configure', descriptions: publishedLines(signal.data.sdp) },
          { type: 'offer', sdp: signal.data.sdp },
        );
      case 'answer':
        if (signal.to !== SFU_SUBSCRIBE) return;
        return handle.message({ request: 'start' }, { type: 'answer', sdp: signal.data.sdp });
      case 'ice-candidate':
        return handle.trickle(
          signal.data.candidate === '' ? { completed: true } : { ...signal.data },
        );
      case 'hangup':
        // The sending side starts over on new handles; the receiving side asks for a new ICE
        // session, which Janus offers.
        if (signal.to === SFU_PUBLISH) return this.drop(roomId, memberId, link, sfu.id);
        return handle.message({ request: 'configure', restart: true });
    }
  }

  /**
   * Ends a participant's handles (it left the call, the call left the SFU, or its client starts
   * over): Janus tells the others' subscriptions, which drop its media.
   */
  async drop(roomId: string, memberId: string, link: SfuLink | undefined, janusRoom?: number) {
    const held = this.byMember.get(key(roomId, memberId));
    if (held) this.forget(held);
    const { publisher, subscriber } = held ? held : this.handlesOf(undefined, link);
    await Promise.all([publisher?.detach(), subscriber?.detach()]);
    if (janusRoom !== undefined && link)
      await this.calls.saveLink(roomId, memberId, janusRoom, null);
  }

  /**
   * The member's handles: those this instance holds, else the ones its link (kept with the call)
   * names — opened by another instance, reached through Janus's API all the same.
   */
  private handlesOf(
    held: HeldLink | undefined,
    link: SfuLink | undefined,
  ): { publisher?: JanusHandle | null; subscriber?: JanusHandle | null } {
    const stored = (id: number | null | undefined) =>
      link && id ? this.client.handle(link.session, id) : undefined;
    return {
      publisher: held?.publisher ?? stored(link?.publisher),
      subscriber: held?.subscriber ?? stored(link?.subscriber),
    };
  }

  /** Lets go of every handle this instance holds in `room` (its Janus room is going). */
  forgetRoom(roomId: string): void {
    for (const held of [...this.byMember.values()]) if (held.roomId === roomId) this.release(held);
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.byHandle.clear();
    this.byMember.clear();
    if (session) await (await session.catch(() => undefined))?.destroy();
    await this.rooms.close();
  }

  /** The participant's first offer: a publisher handle that joins the room and publishes. */
  private async publish(
    roomId: string,
    memberId: string,
    room: CallSfu,
    jsep: { type: string; sdp: string },
    descriptions: { mid: string; description: string }[],
  ): Promise<void> {
    const session = await this.openSession();
    const publisher = await session.attach(PLUGIN);
    const held: HeldLink = {
      roomId,
      memberId,
      room: { id: room.id, secret: room.secret },
      publisher,
      subscriber: null,
      privateId: null,
      feedId: null,
      subscribed: new Set(),
      queue: Promise.resolve(),
    };
    this.byHandle.set(publisher.id, held);
    this.byMember.set(key(roomId, memberId), held);
    const link = { session: session.id, publisher: publisher.id, subscriber: null };
    if (!(await this.calls.saveLink(roomId, memberId, room.id, link))) {
      // The member left, or the call moved, while the handle was being made.
      this.forget(held);
      await publisher.detach();
      return;
    }
    await publisher.message(
      {
        request: 'joinandconfigure',
        ptype: 'publisher',
        room: room.id,
        token: this.rooms.token(room, memberId),
        // The member's id is what subscribers learn whose streams they receive by.
        display: memberId,
        descriptions,
      },
      jsep,
    );
  }

  private openSession(): Promise<JanusSession> {
    this.session ??= this.client
      .session(
        (event) => this.onEvent(event),
        () => this.sessionLost(),
      )
      .catch((error: unknown) => {
        this.session = undefined;
        throw error;
      });
    return this.session;
  }

  /** Janus forgot this instance's session (it restarted): every held member starts over. */
  private sessionLost(): void {
    this.session = undefined;
    this.log.warn('calls: Janus lost the session of this instance; its participants reconnect');
    for (const held of [...this.byMember.values()]) {
      this.forget(held);
      this.tell(held, SFU_PUBLISH, 'hangup', { reason: 'restart' });
      void this.calls.saveLink(held.roomId, held.memberId, held.room.id, null).catch(() => {});
    }
  }

  private onEvent(event: JanusEvent): void {
    const held = this.byHandle.get(event.handleId);
    if (!held) return;
    try {
      if (event.handleId === held.publisher.id) this.onPublisherEvent(held, event);
      else this.onSubscriberEvent(held, event);
    } catch (error) {
      this.log.error({ err: error, roomId: held.roomId }, 'calls: a Janus event went wrong');
    }
  }

  private onPublisherEvent(held: HeldLink, { kind, data, jsep }: JanusEvent): void {
    if (kind === 'hangup') {
      // Janus's connection to the member's sending side is gone: its client publishes afresh.
      this.tell(held, SFU_PUBLISH, 'hangup', { reason: 'restart' });
      return;
    }
    if (kind !== 'event' || !data) return;
    if (data.videoroom === 'joined') {
      held.feedId = typeof data.id === 'number' ? data.id : null;
      held.privateId = typeof data.private_id === 'number' ? data.private_id : null;
    }
    if (data.videoroom === 'destroyed') {
      this.release(held);
      return;
    }
    if (typeof data.error_code === 'number') {
      this.release(held);
      if (data.error_code === NO_SUCH_ROOM) {
        // Janus restarted and lost the call's room: a new room, and everyone publishes again.
        void this.calls
          .replaceRoom(held.roomId, held.room.id)
          .catch((error: unknown) => this.log.error({ err: error }, 'calls: no new Janus room'))
          .finally(() => this.tell(held, SFU_PUBLISH, 'hangup', { reason: 'restart' }));
        return;
      }
      this.log.warn(
        { roomId: held.roomId, code: data.error_code, reason: data.error },
        'calls: Janus refused a participant’s media',
      );
      this.tell(held, SFU_PUBLISH, 'hangup', { reason: 'sfu_refused' });
      void this.calls.saveLink(held.roomId, held.memberId, held.room.id, null).catch(() => {});
      return;
    }
    if (jsep?.type === 'answer') this.tell(held, SFU_PUBLISH, 'answer', { sdp: jsep.sdp });
    const publishers = Array.isArray(data.publishers) ? (data.publishers as Publisher[]) : [];
    for (const feed of [data.unpublished, data.leaving])
      if (typeof feed === 'number') held.subscribed.delete(feed);
    if (publishers.length > 0)
      this.subscribe(
        held,
        publishers.map((p) => p.id),
      );
  }

  private onSubscriberEvent(held: HeldLink, { kind, data, jsep }: JanusEvent): void {
    if (kind === 'hangup') {
      // The receiving connection is gone: a new subscription to the same feeds, a new offer.
      const subscriber = held.subscriber;
      if (subscriber) this.byHandle.delete(subscriber.id);
      held.subscriber = null;
      const feeds = [...held.subscribed];
      held.subscribed.clear();
      this.tell(held, SFU_SUBSCRIBE, 'hangup', { reason: 'restart' });
      void subscriber?.detach();
      this.subscribe(held, feeds);
      return;
    }
    if (!data || jsep?.type !== 'offer') return;
    // An offer that changes the subscription lists its streams; an ICE restart's does not.
    const streams = Array.isArray(data.streams) ? { streams: sfuStreams(data.streams) } : {};
    this.tell(held, SFU_SUBSCRIBE, 'offer', { sdp: jsep.sdp, ...streams });
  }

  /** Adds `feeds` (other members' publishers) to the member's subscription. */
  private subscribe(held: HeldLink, feeds: number[]): void {
    const wanted = feeds.filter((feed) => feed !== held.feedId && !held.subscribed.has(feed));
    if (wanted.length === 0) return;
    for (const feed of wanted) held.subscribed.add(feed);
    const streams = wanted.map((feed) => ({ feed }));
    held.queue = held.queue
      .then(async () => {
        if (!this.byMember.has(key(held.roomId, held.memberId))) return;
        if (held.subscriber) {
          await held.subscriber.message({ request: 'subscribe', streams });
          return;
        }
        const session = await this.openSession();
        const subscriber = await session.attach(PLUGIN);
        held.subscriber = subscriber;
        this.byHandle.set(subscriber.id, held);
        await this.calls.saveLink(held.roomId, held.memberId, held.room.id, {
          session: session.id,
          publisher: held.publisher.id,
          subscriber: subscriber.id,
        });
        await subscriber.message({
          request: 'join',
          ptype: 'subscriber',
          room: held.room.id,
          token: this.rooms.token(held.room, held.memberId),
          private_id: held.privateId,
          streams,
        });
      })
      .catch((error: unknown) => {
        for (const feed of wanted) held.subscribed.delete(feed);
        this.log.warn({ err: error, roomId: held.roomId }, 'calls: subscribing in Janus failed');
      });
  }

  /** A signal to the member from the SFU, to its connections of the moment. */
  private tell(
    to: { roomId: string; memberId: string },
    from: SfuTarget,
    type: SignalType,
    data: unknown,
  ): void {
    this.bus.publish({
      roomId: to.roomId,
      name: 'signal',
      to: to.memberId,
      payload: { from, type, data },
    });
  }

  /** Forgets the member's handles here and detaches them from Janus. */
  private release(held: HeldLink): void {
    this.forget(held);
    void held.publisher.detach();
    void held.subscriber?.detach();
  }

  private forget(held: HeldLink): void {
    this.byHandle.delete(held.publisher.id);
    if (held.subscriber) this.byHandle.delete(held.subscriber.id);
    if (this.byMember.get(key(held.roomId, held.memberId)) === held)
      this.byMember.delete(key(held.roomId, held.memberId));
  }
}

function key(roomId: string, memberId: string): string {
  return `${roomId}/${memberId}`;
}

/** The media lines of Janus's offer to a subscriber: whose, and which of their streams. */
function sfuStreams(streams: unknown[]): SfuStream[] {
  const found: SfuStream[] = [];
  for (const stream of streams as Record<string, unknown>[]) {
    const { mid, type, feed_display: memberId, feed_description: description } = stream;
    if (typeof mid !== 'string' || typeof memberId !== 'string' || stream.active === false)
      continue;
    if (type === 'audio') found.push({ mid, memberId, role: 'audio' });
    else if (type === 'video')
      found.push({ mid, memberId, role: description === 'screen' ? 'screen' : 'camera' });
  }
  return found;
}
