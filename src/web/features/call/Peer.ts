/**
 * One side of the call's connection to one other member: an RTCPeerConnection negotiated with
 * the "perfect negotiation" pattern (MDN), so either side may change the session at any moment
 * and a collision of offers settles by itself: the polite side rolls its offer back, the
 * impolite side ignores the other's.
 *
 * Each side sends on transceivers of its own, made once when the connection is made, `sendonly`:
 * its microphone and camera in one stream and its screen in another. Turning a camera or the
 * microphone on or off, switching devices or sharing the screen then only replaces a track on a
 * transceiver already negotiated; nothing is offered again.
 */
import type { SignalEvent, SignalInput } from '../../../protocol/schemas.js';
import { trackRole } from './peerPlan.js';

/** The tracks this member sends; null where nothing is sent. */
export interface OutgoingTracks {
  audio: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
}

/** What arrives from the other member. */
export interface IncomingMedia {
  audio: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
}

/** A signal to the other member, without its `to`. */
export type OutgoingSignal = Omit<SignalInput, 'to'>;

export interface PeerOptions {
  /** The other member's id, or the SFU's side (`sfu:publish`, `sfu:subscribe`). */
  memberId: string;
  polite: boolean;
  /** False for a connection that only receives (the SFU's `sfu:subscribe`): it never sends. */
  sends?: boolean;
  configuration: RTCConfiguration;
  tracks: OutgoingTracks;
  send: (signal: OutgoingSignal) => void;
  /** The connection needs a new ICE session: it failed, or stayed disconnected too long. */
  onConnectionTrouble: (peer: Peer) => void;
  onChange: () => void;
}

/**
 * How long `disconnected` may last before an ICE restart. Browsers often recover on their own
 * within a second or two (a short Wi-Fi hiccup); longer than this, they seldom do.
 */
export const DISCONNECTED_GRACE_MS = 3_000;
/**
 * How long a connection may stay unconnected once both sides agree on a session. Over a relay on
 * a slow network checks take a second or two; an ICE agent that never starts (seen in Chromium
 * after the polite side rolls its offer back) stays `new` for good, and a restart unsticks it.
 */
export const UNCONNECTED_GRACE_MS = 5_000;

export class Peer {
  readonly memberId: string;
  readonly connection: RTCPeerConnection;
  readonly incoming: IncomingMedia = { audio: null, camera: null, screen: null };
  private readonly polite: boolean;
  private readonly sends: boolean;
  private readonly send: (signal: OutgoingSignal) => void;
  private readonly onChange: () => void;
  private senders: Record<keyof OutgoingTracks, RTCRtpSender> | null = null;
  private tracks: OutgoingTracks;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  /** Signals are handled one after another, in the order they came. */
  private queue: Promise<void> = Promise.resolve();
  /** Candidates that came before the description they belong to. */
  private earlyCandidates: RTCIceCandidateInit[] = [];
  private disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  private unconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private connectedOnce = false;

  constructor(options: PeerOptions) {
    this.memberId = options.memberId;
    this.polite = options.polite;
    this.sends = options.sends ?? true;
    this.send = options.send;
    this.onChange = options.onChange;
    const connection = new RTCPeerConnection(options.configuration);
    this.connection = connection;

    this.tracks = { ...options.tracks };
    // The impolite side offers first; the polite side adds its own transceivers once it has
    // answered, so the first negotiation never collides. A collision makes the polite side roll
    // its offer back, and Chromium's rollback of an offer whose candidates are still being
    // gathered now and then leaves the ICE agent dead (`new` for good, restarts included).
    if (!this.polite) this.addTransceivers();

    connection.onnegotiationneeded = () => void this.offer();
    connection.onicecandidate = ({ candidate }) => {
      // A null candidate says gathering is over; the contract says it with an empty one.
      const data = candidate ? candidate.toJSON() : { candidate: '' };
      this.send({
        type: 'ice-candidate',
        data: {
          candidate: data.candidate ?? '',
          sdpMid: data.sdpMid ?? null,
          sdpMLineIndex: data.sdpMLineIndex ?? null,
          usernameFragment: data.usernameFragment ?? null,
        },
      });
    };
    connection.ontrack = ({ track, streams }) => {
      const role = trackRole(track.kind, (streams[0]?.getAudioTracks().length ?? 0) > 0);
      this.incoming[role] = track;
      track.addEventListener('ended', () => {
        if (this.incoming[role] === track) {
          this.incoming[role] = null;
          this.onChange();
        }
      });
      this.onChange();
    };
    connection.onsignalingstatechange = () => {
      clearTimeout(this.unconnectedTimer);
      if (connection.signalingState !== 'stable') return;
      this.unconnectedTimer = setTimeout(() => {
        const state = connection.connectionState;
        if (state === 'connected') this.connectedOnce = true;
        if (state === 'new' || state === 'connecting') options.onConnectionTrouble(this);
      }, UNCONNECTED_GRACE_MS);
    };
    connection.onconnectionstatechange = () => {
      const state = connection.connectionState;
      clearTimeout(this.disconnectedTimer);
      if (state === 'failed') options.onConnectionTrouble(this);
      else if (state === 'disconnected') {
        this.disconnectedTimer = setTimeout(() => {
          if (connection.connectionState === 'disconnected') options.onConnectionTrouble(this);
        }, DISCONNECTED_GRACE_MS);
      }
      this.onChange();
    };
  }

  get state(): RTCPeerConnectionState {
    return this.connection.connectionState;
  }

  /** Sends these tracks from now on, on the transceivers negotiated already. */
  setTracks(tracks: Partial<OutgoingTracks>): void {
    this.tracks = { ...this.tracks, ...tracks };
    const senders = this.senders;
    if (!senders) return;
    for (const key of ['audio', 'camera', 'screen'] as const) {
      const track = tracks[key];
      if (track === undefined) continue;
      const sender = senders[key];
      if (sender.track !== track) void sender.replaceTrack(track).catch(() => {});
    }
  }

  /** Whether this side ever got through to the other (a connection that never did is stuck). */
  get everConnected(): boolean {
    return this.connectedOnce;
  }

  private addTransceivers(): void {
    if (this.senders || this.closed || !this.sends) return;
    const cameraStream = new MediaStream();
    const screenStream = new MediaStream();
    const transceiver = (kind: 'audio' | 'video', stream: MediaStream) =>
      this.connection.addTransceiver(kind, { direction: 'sendonly', streams: [stream] }).sender;
    this.senders = {
      audio: transceiver('audio', cameraStream),
      camera: transceiver('video', cameraStream),
      screen: transceiver('video', screenStream),
    };
    this.setTracks(this.tracks);
  }

  /**
   * Starts a new ICE session (new ufrag and password) through a new offer: after a failure, a
   * change of network, or a reconnection that may have lost signals. An offer of ours still
   * waiting for its answer (it may be lost) is rolled back first, so the restart goes out.
   */
  async restartIce(): Promise<void> {
    // The polite side still waiting for the first offer has nothing to restart.
    if (this.closed || !this.senders) return;
    if (this.connection.signalingState === 'have-local-offer') {
      await this.connection.setLocalDescription({ type: 'rollback' }).catch(() => {});
    }
    this.connection.restartIce();
  }

  setConfiguration(configuration: RTCConfiguration): void {
    if (this.closed) return;
    try {
      this.connection.setConfiguration(configuration);
    } catch {
      // A configuration the browser does not take keeps the one in use.
    }
  }

  /** Handles a signal from the other member, after the ones before it. */
  receive(signal: Pick<SignalEvent, 'type' | 'data'>): Promise<void> {
    this.queue = this.queue.then(() => this.handle(signal)).catch(() => {});
    return this.queue;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.disconnectedTimer);
    clearTimeout(this.unconnectedTimer);
    this.connection.onnegotiationneeded = null;
    this.connection.onsignalingstatechange = null;
    this.connection.onicecandidate = null;
    this.connection.ontrack = null;
    this.connection.onconnectionstatechange = null;
    this.connection.close();
  }

  private async offer(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.connection.setLocalDescription();
      const description = this.connection.localDescription;
      if (description?.type === 'offer')
        this.send({ type: 'offer', data: { sdp: description.sdp } });
    } catch {
      // A negotiation that could not start now starts again with the next change.
    } finally {
      this.makingOffer = false;
    }
  }

  private async handle({ type, data }: Pick<SignalEvent, 'type' | 'data'>): Promise<void> {
    if (this.closed) return;
    const connection = this.connection;
    if (type === 'offer' || type === 'answer') {
      const sdp = (data as { sdp?: unknown } | null)?.sdp;
      if (typeof sdp !== 'string') return;
      const readyForOffer =
        !this.makingOffer && (connection.signalingState === 'stable' || this.settingRemoteAnswer);
      const collision = type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      // An answer that comes when no offer of ours waits for one is left over from before.
      if (type === 'answer' && connection.signalingState !== 'have-local-offer') return;
      this.settingRemoteAnswer = type === 'answer';
      // The polite side rolls its own offer back first. Explicitly: Chromium's implicit rollback
      // (setRemoteDescription straight over a fresh local offer) leaves the connection's ICE
      // agent dead, `new` for good with no candidate gathered. Queued behind an offer still
      // being made, the rollback undoes that one once it is set.
      if (collision) await connection.setLocalDescription({ type: 'rollback' }).catch(() => {});
      await connection.setRemoteDescription({ type, sdp });
      this.settingRemoteAnswer = false;
      for (const candidate of this.earlyCandidates.splice(0)) {
        await connection.addIceCandidate(candidate).catch(() => {});
      }
      if (type === 'offer') {
        await connection.setLocalDescription();
        const answer = connection.localDescription;
        if (answer?.type === 'answer') this.send({ type: 'answer', data: { sdp: answer.sdp } });
        // Now the polite side's own media: a negotiation of its own, after this one.
        this.addTransceivers();
      }
    } else if (type === 'ice-candidate') {
      const candidate = data as RTCIceCandidateInit | null;
      if (candidate === null || typeof candidate !== 'object') return;
      if (connection.remoteDescription === null) {
        this.earlyCandidates.push(candidate);
        return;
      }
      try {
        await connection.addIceCandidate(candidate);
      } catch (error) {
        // Candidates of an offer we ignored have nowhere to go.
        if (!this.ignoreOffer) throw error;
      }
    }
  }
}
