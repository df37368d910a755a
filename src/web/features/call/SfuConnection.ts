/**
 * This member's side of a call through the SFU: two connections to it instead of one to each
 * other participant. On `sfu:publish` it sends its microphone, camera and screen (it offers, the
 * SFU answers); on `sfu:subscribe` it receives everyone else's (the SFU offers, listing whose
 * stream each media line carries, and it answers). Both are `Peer`s, so track changes, early
 * candidates and ICE restarts work as in the mesh.
 */
import {
  SFU_PUBLISH,
  SFU_SUBSCRIBE,
  sfuStreamSchema,
  type SfuStream,
  type SfuTarget,
  type SignalEvent,
} from '../../../protocol/schemas.js';
import { Peer, type IncomingMedia, type OutgoingSignal, type OutgoingTracks } from './Peer.js';

/** How many times a sending side that never got through is made anew before only restarts. */
const RENEWALS = 3;

export interface SfuConnectionOptions {
  configuration: RTCConfiguration;
  tracks: OutgoingTracks;
  send: (to: SfuTarget, signal: OutgoingSignal) => void;
  onChange: () => void;
}

const RESTART = { type: 'hangup', data: { reason: 'restart' } } as const;

export class SfuConnection {
  private publisher: Peer;
  private subscriber: Peer | null = null;
  /** The subscription's media lines by mid: whose sound, camera or screen each carries. */
  private streams = new Map<string, SfuStream>();
  private configuration: RTCConfiguration;
  private tracks: OutgoingTracks;
  private renewals = 0;
  private closed = false;

  constructor(private readonly options: SfuConnectionOptions) {
    this.configuration = options.configuration;
    this.tracks = options.tracks;
    this.publisher = this.openPublisher();
  }

  /** The two connections, by the SFU side they go to (for quality and the journeys). */
  connections(): Record<string, RTCPeerConnection> {
    const all: Record<string, RTCPeerConnection> = { [SFU_PUBLISH]: this.publisher.connection };
    if (this.subscriber) all[SFU_SUBSCRIBE] = this.subscriber.connection;
    return all;
  }

  /** Which media line carries what, by mid (for the journeys). */
  streamMap(): Record<string, SfuStream> {
    return Object.fromEntries(this.streams);
  }

  /** The receiving side's state, which is what the others' tiles show. */
  get state(): RTCPeerConnectionState {
    return this.subscriber?.state ?? 'new';
  }

  /** What arrives from each other member, read from the receiving side's media lines. */
  incoming(): Map<string, IncomingMedia> {
    const media = new Map<string, IncomingMedia>();
    for (const transceiver of this.subscriber?.connection.getTransceivers() ?? []) {
      const stream = transceiver.mid === null ? undefined : this.streams.get(transceiver.mid);
      if (!stream || transceiver.receiver.track.readyState === 'ended') continue;
      let held = media.get(stream.memberId);
      if (!held) {
        held = { audio: null, camera: null, screen: null };
        media.set(stream.memberId, held);
      }
      held[stream.role] = transceiver.receiver.track;
    }
    return media;
  }

  setTracks(change: Partial<OutgoingTracks>): void {
    this.tracks = { ...this.tracks, ...change };
    this.publisher.setTracks(change);
  }

  setConfiguration(configuration: RTCConfiguration): void {
    this.configuration = configuration;
    this.publisher.setConfiguration(configuration);
    this.subscriber?.setConfiguration(configuration);
  }

  /** A new ICE session on both sides: the network changed, or signals may have been lost. */
  restartIce(): void {
    void this.publisher.restartIce();
    if (this.subscriber) this.options.send(SFU_SUBSCRIBE, RESTART);
  }

  receive({ from, type, data }: SignalEvent): void {
    if (this.closed) return;
    if (from === SFU_PUBLISH) {
      // The SFU lost or refused our sending side: both sides start over.
      if (type === 'hangup') this.renew();
      else void this.publisher.receive({ type, data });
      return;
    }
    if (from !== SFU_SUBSCRIBE) return;
    if (type === 'hangup') {
      // The SFU's receiving side went away; its next offer comes on a new connection.
      this.closeSubscriber();
      this.options.onChange();
      return;
    }
    if (type === 'offer') {
      // An offer that changes the subscription lists its lines; an ICE restart's keeps them.
      const listed = (data as { streams?: unknown } | null)?.streams;
      if (listed !== undefined) {
        const streams = sfuStreamSchema.array().safeParse(listed);
        this.streams = new Map((streams.success ? streams.data : []).map((s) => [s.mid, s]));
      }
      this.subscriber ??= this.openSubscriber();
    }
    void this.subscriber?.receive({ type, data });
  }

  close(): void {
    this.closed = true;
    this.publisher.close();
    this.closeSubscriber();
  }

  /** Exactly what a failed connection on `side` sets off (for the journeys). */
  fail(side: SfuTarget): void {
    const peer = side === SFU_PUBLISH ? this.publisher : this.subscriber;
    if (peer) this.trouble(peer);
  }

  /**
   * A connection failed, stayed disconnected, or never got through. The sending side gets a new
   * ICE session (its own offer), or, if it never got through, is made anew a few times; the
   * receiving side asks the SFU for a new ICE session (the SFU's offer).
   */
  private trouble(peer: Peer): void {
    if (peer === this.subscriber) {
      this.options.send(SFU_SUBSCRIBE, RESTART);
    } else if (peer === this.publisher) {
      if (peer.everConnected || this.renewals >= RENEWALS) void peer.restartIce();
      else this.renew();
    }
  }

  private openPublisher(): Peer {
    // The impolite side: it offers at once, and the SFU never offers to it.
    return new Peer({
      memberId: SFU_PUBLISH,
      polite: false,
      configuration: this.configuration,
      tracks: this.tracks,
      send: (signal) => this.options.send(SFU_PUBLISH, signal),
      onConnectionTrouble: (peer) => this.trouble(peer),
      onChange: this.options.onChange,
    });
  }

  private openSubscriber(): Peer {
    // The polite side that only answers: every offer on it is the SFU's.
    return new Peer({
      memberId: SFU_SUBSCRIBE,
      polite: true,
      sends: false,
      configuration: this.configuration,
      tracks: { audio: null, camera: null, screen: null },
      send: (signal) => this.options.send(SFU_SUBSCRIBE, signal),
      onConnectionTrouble: (peer) => this.trouble(peer),
      onChange: this.options.onChange,
    });
  }

  /**
   * Both connections anew: the SFU forgets this member's handles (the `hangup`), and the new
   * sending side's offer makes new ones; the receiving side follows once it publishes.
   */
  private renew(): void {
    this.renewals += 1;
    this.publisher.close();
    this.closeSubscriber();
    this.options.send(SFU_PUBLISH, RESTART);
    this.publisher = this.openPublisher();
    this.options.onChange();
  }

  private closeSubscriber(): void {
    this.subscriber?.close();
    this.subscriber = null;
    this.streams.clear();
  }
}
