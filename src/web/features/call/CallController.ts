/**
 * This member's side of the room's call: their microphone, camera and screen, and one peer
 * connection to each other participant (a full mesh) — or, while the call goes through the SFU
 * (`topology: "sfu"`), two connections to the SFU (`SfuConnection`) — kept in step with the call
 * as the server reports it (`room:state.call`, `call:state`). React reads it through `subscribe` and
 * `snapshot` (useSyncExternalStore); everything it does with the browser's media is here.
 *
 * Signals are never kept for a reconnect (decision 021), so whenever one may have been lost (the
 * socket reconnected) or the network under a connection changed (`online`, a new
 * `navigator.connection`), every connection starts a new ICE session.
 */
import {
  isSfuTarget,
  SFU_PUBLISH,
  SFU_SUBSCRIBE,
  type Call,
  type CallParticipant,
  type SfuStream,
  type SignalEvent,
} from '../../../protocol/schemas.js';
import type { Ack } from '../../../protocol/errors.js';
import type { RoomSocket } from '../../lib/socket.js';
import { fetchIceServers } from './callApi.js';
import {
  gradeQuality,
  lossBetween,
  readPeerStats,
  type PeerReading,
  type QualityGrade,
  type StatsEntry,
} from './callQuality.js';
import {
  describeJoinRefusal,
  describeMediaError,
  INSECURE_CONTEXT,
  mediaErrorName,
  type MediaKind,
} from './mediaErrors.js';
import { Peer, type IncomingMedia, type OutgoingSignal, type OutgoingTracks } from './Peer.js';
import { isPolite, participantOf, planPeers } from './peerPlan.js';
import { SfuConnection } from './SfuConnection.js';

/** How often the connections' figures are read, shown and reported (`call:quality`). */
export const QUALITY_EVERY_MS = 5_000;
/** TURN credentials are fetched again at this share of their lifetime. */
const ICE_REFRESH_SHARE = 0.8;
/** How long to wait for the server's answer to a join, an update or a leave. */
const ACK_TIMEOUT_MS = 10_000;
/** A signal refused as too fast is sent again after this, times its attempt… */
const SIGNAL_RETRY_MS = 250;
/** …at most this many times. */
const SIGNAL_ATTEMPTS = 6;
/** The `hangup` reason that asks the other side to make the connection anew, not to end it. */
const RESTART = 'restart';
/** How many times a connection that never got through is made anew before only restarts. */
const RENEWALS = 3;
/** Members' signals parked while the page goes through the SFU: how many, and for how long. */
const PARKED_MAX = 200;
const PARKED_MS = 5_000;
/** Network changes come in bursts (Wi-Fi off, mobile data on): one restart for the burst. */
const NETWORK_SETTLE_MS = 500;

export interface RemotePeerView {
  memberId: string;
  state: RTCPeerConnectionState;
  incoming: IncomingMedia;
  quality: QualityGrade;
}

export interface CallSnapshot {
  /** This member is in the call (as far as this page knows). */
  joined: boolean;
  /** A join or a leave is under way. */
  busy: boolean;
  microphone: boolean;
  camera: boolean;
  screen: boolean;
  local: OutgoingTracks;
  peers: Readonly<Record<string, RemotePeerView>>;
  /** What went wrong last, in plain words (a device refused, a full call); null when nothing. */
  notice: string | null;
  microphones: readonly MediaDeviceInfo[];
  cameras: readonly MediaDeviceInfo[];
  microphoneId: string | null;
  cameraId: string | null;
}

export interface CallControllerOptions {
  socket: RoomSocket;
  roomId: string;
  token: string;
  me: string;
  /** A call the server answered with (a join's or an update's ack), for the room's state. */
  onCall: (call: Call) => void;
}

type AckCallback<R extends object> = (timedOut: Error | null, ack: Ack<R>) => void;

interface NavigatorWithConnection {
  connection?: EventTarget;
}

/** Why the browser offers no microphone or camera at all: the page is not on https, or too old. */
function mediaMissingReason(): string {
  return window.isSecureContext ? 'NotSupportedError' : INSECURE_CONTEXT;
}

const EMPTY_TRACKS: OutgoingTracks = { audio: null, camera: null, screen: null };

/** What the snapshot says of a page that is not in the call. */
const NOT_IN_CALL = {
  joined: false,
  busy: false,
  microphone: false,
  camera: false,
  screen: false,
  peers: {},
} satisfies Partial<CallSnapshot>;

export class CallController {
  private readonly socket: RoomSocket;
  private readonly roomId: string;
  private readonly token: string;
  /** This member's id. */
  readonly me: string;
  private readonly onCall: (call: Call) => void;
  private readonly listeners = new Set<() => void>();
  private readonly peers = new Map<string, { peer: Peer; since: string | null }>();
  /** The connections to the SFU, while the call goes through it (then `peers` is empty). */
  private sfu: SfuConnection | null = null;
  /** Members who hung up on us, by the `since` they hung up from: not called again for it. */
  private readonly hungUp = new Map<string, string | null>();
  private readonly quality = new Map<string, QualityGrade>();
  private readonly readings = new Map<string, PeerReading>();
  private readonly outgoing = new Map<string, Promise<void>>();
  /** Connections made anew, by member, since they joined. */
  private readonly renewals = new Map<string, number>();
  private current: CallSnapshot;
  private call: Call = null;
  private mySince: string | null = null;
  private tracks: OutgoingTracks = { ...EMPTY_TRACKS };
  private configuration: RTCConfiguration = { iceServers: [] };
  private iceTimer: ReturnType<typeof setTimeout> | undefined;
  private qualityTimer: ReturnType<typeof setInterval> | undefined;
  private networkTimer: ReturnType<typeof setTimeout> | undefined;
  private rejoining = false;
  /**
   * Members' signals that came while this page still went through the SFU, with when: the call
   * state that ends the SFU reaches the page after the socket's events (React hands it over), so
   * the others' first mesh offers can come first. Replayed once the page is a mesh again.
   */
  private parked: { signal: SignalEvent; at: number }[] = [];
  private disposed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(options: CallControllerOptions) {
    this.socket = options.socket;
    this.roomId = options.roomId;
    this.token = options.token;
    this.me = options.me;
    this.onCall = options.onCall;
    this.current = {
      ...NOT_IN_CALL,
      local: this.tracks,
      notice: null,
      microphones: [],
      cameras: [],
      microphoneId: null,
      cameraId: null,
    };
  }

  /**
   * Starts listening to the room's signals and reconnections, the network and the devices;
   * the function returned stops all of it and ends this page's part in the call.
   */
  attach(): () => void {
    this.disposed = false;
    const onSignal = (signal: SignalEvent) => this.receiveSignal(signal);
    // Every connection after the first is a reconnection: signals may have been lost.
    let connectedBefore = this.socket.connected;
    const onConnect = () => {
      if (connectedBefore) this.restartAll();
      connectedBefore = true;
    };
    this.socket.on('signal', onSignal);
    this.socket.on('connect', onConnect);
    this.cleanups.push(() => {
      this.socket.off('signal', onSignal);
      this.socket.off('connect', onConnect);
    });

    const onNetwork = () => {
      clearTimeout(this.networkTimer);
      this.networkTimer = setTimeout(() => this.restartAll(), NETWORK_SETTLE_MS);
    };
    window.addEventListener('online', onNetwork);
    const connection = (navigator as NavigatorWithConnection).connection;
    connection?.addEventListener('change', onNetwork);
    this.cleanups.push(() => {
      window.removeEventListener('online', onNetwork);
      connection?.removeEventListener('change', onNetwork);
    });

    const devices = navigator.mediaDevices as MediaDevices | undefined;
    if (devices) {
      const onDevices = () => void this.listDevices();
      devices.addEventListener('devicechange', onDevices);
      this.cleanups.push(() => devices.removeEventListener('devicechange', onDevices));
    }
    return () => this.dispose();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): CallSnapshot => this.current;

  /**
   * The peer connections by member — or by SFU side (`sfu:publish`, `sfu:subscribe`) in a call
   * through the SFU — for quality readings and the journeys' checks (see `exposeForTests`).
   */
  connections(): Record<string, RTCPeerConnection> {
    if (this.sfu) return this.sfu.connections();
    return Object.fromEntries([...this.peers].map(([id, { peer }]) => [id, peer.connection]));
  }

  /** In a call through the SFU, whose media each received line carries, by mid (journeys). */
  sfuStreams(): Record<string, SfuStream> {
    return this.sfu?.streamMap() ?? {};
  }

  /**
   * Exactly what a failed connection to `memberId` — or to the SFU's `sfu:publish` or
   * `sfu:subscribe` side — sets off (for the journeys).
   */
  failConnection(memberId: string): void {
    if (isSfuTarget(memberId)) return this.sfu?.fail(memberId);
    const held = this.peers.get(memberId);
    if (held) this.connectionTrouble(held.peer);
  }

  /** The call as the server now says it is. */
  setCall(call: Call): void {
    this.call = call;
    const participants = call?.participants ?? null;
    const mine = participantOf(participants ?? undefined, this.me);
    if (this.current.joined && !mine && !this.current.busy) {
      // The server let us go (the connection was away too long): join again as we were.
      void this.rejoin();
      return;
    }
    const mySinceChanged =
      mine !== undefined && this.mySince !== null && mine.since !== this.mySince;
    this.mySince = mine?.since ?? null;
    if (this.current.joined && mine && call?.topology === 'sfu') {
      this.useSfu(mySinceChanged);
      return;
    }
    const leftSfu = this.sfu !== null;
    this.closeSfu();
    this.applyPlan(participants, mySinceChanged);
    if (leftSfu) this.replayParked();
  }

  /**
   * Joins (or starts) the call with the microphone and, if `video`, the camera. Devices that
   * cannot be used are explained in `notice`, and the member joins to listen instead.
   */
  async join(video = true): Promise<void> {
    if (this.current.joined || this.current.busy) return;
    this.update({ busy: true, notice: null });
    const [media] = await Promise.all([this.openDevices(true, video), this.loadIceServers()]);
    if (this.disposed) return this.stopTracks(media);
    this.tracks = { audio: media.audio, camera: media.camera, screen: null };
    const ack = await this.emit<{ call: Call }>('call:join', {
      audio: media.audio !== null,
      video: media.camera !== null,
    });
    if (!ack.ok) {
      this.stopTracks(this.tracks);
      this.tracks = { ...EMPTY_TRACKS };
      this.update({
        busy: false,
        local: this.tracks,
        notice: describeJoinRefusal(ack.error),
      });
      return;
    }
    this.update({
      joined: true,
      busy: false,
      microphone: media.audio !== null,
      camera: media.camera !== null,
      screen: false,
      local: this.tracks,
      notice: media.notice,
    });
    this.startTimers();
    void this.listDevices();
    this.onCall(ack.call);
    this.setCall(ack.call);
  }

  async leave(): Promise<void> {
    if (!this.current.joined) return;
    this.update({ busy: true });
    const ack = await this.emit('call:leave', {});
    this.endLocally();
    if (!ack.ok && ack.error.code !== 'not_found') {
      this.update({ notice: 'Could not tell the room you left; your connection may be down.' });
    }
  }

  async toggleMicrophone(): Promise<void> {
    if (!this.current.joined) return;
    const track = this.tracks.audio;
    if (this.current.microphone && track) {
      // Muted by disabling the track: silence goes out, and unmuting is instant.
      track.enabled = false;
      this.update({ microphone: false });
      await this.emit('call:update', { audio: false });
      return;
    }
    if (track && track.readyState === 'live') {
      track.enabled = true;
    } else {
      const opened = await this.openTrack('audio', this.current.microphoneId);
      if (!opened) return;
      this.tracks = { ...this.tracks, audio: opened };
      for (const { peer } of this.peers.values()) peer.setTracks({ audio: opened });
    }
    this.update({ microphone: true, local: this.tracks, notice: null });
    await this.emit('call:update', { audio: true });
  }

  async toggleCamera(): Promise<void> {
    if (!this.current.joined) return;
    if (this.current.camera) {
      // Stopped, not just disabled: the camera's light goes off.
      this.tracks.camera?.stop();
      this.setOutgoing({ camera: null });
      this.update({ camera: false });
      await this.emit('call:update', { video: false });
      return;
    }
    const opened = await this.openTrack('video', this.current.cameraId);
    if (!opened) return;
    this.setOutgoing({ camera: opened });
    this.update({ camera: true, notice: null });
    const ack = await this.emit<{ call: Call }>('call:update', { video: true });
    if (!ack.ok) {
      // A call that is full with video takes this member's sound only.
      opened.stop();
      this.setOutgoing({ camera: null });
      this.update({
        camera: false,
        notice: describeJoinRefusal(ack.error),
      });
    }
  }

  async toggleScreen(): Promise<void> {
    if (!this.current.joined) return;
    if (this.current.screen) {
      await this.stopScreen();
      return;
    }
    let track: MediaStreamTrack | undefined;
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      track = stream.getVideoTracks()[0];
    } catch (error) {
      // Cancelling the browser's picker is a choice, not a problem to explain.
      if (mediaErrorName(error) !== 'NotAllowedError') {
        this.update({ notice: describeMediaError(error, 'screen') });
      }
      return;
    }
    if (!track) return;
    const shared = track;
    // The browser's own "Stop sharing" ends the track.
    shared.addEventListener('ended', () => {
      if (this.tracks.screen === shared) void this.stopScreen();
    });
    this.setOutgoing({ screen: shared });
    this.update({ screen: true, notice: null });
    await this.emit('call:update', { screen: true });
  }

  /** Switches the microphone or camera to `deviceId`: the new track replaces the old one. */
  async chooseDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    if (kind === 'audio') this.update({ microphoneId: deviceId });
    else this.update({ cameraId: deviceId });
    const key = kind === 'audio' ? 'audio' : 'camera';
    const old = this.tracks[key];
    if (!this.current.joined || !old) return;
    const opened = await this.openTrack(kind, deviceId);
    if (!opened) return;
    if (kind === 'audio') opened.enabled = this.current.microphone;
    old.stop();
    this.setOutgoing({ [key]: opened });
  }

  /** Ends this page's part in the call without telling the server (the room has ended). */
  stop(): void {
    if (this.current.joined) this.endLocally();
  }

  dismissNotice(): void {
    this.update({ notice: null });
  }

  /** Ends everything this page holds of the call (the view is going away). */
  private dispose(): void {
    this.disposed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    clearTimeout(this.networkTimer);
    this.endLocally();
  }

  private update(change: Partial<CallSnapshot>): void {
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener();
  }

  private refreshPeers(): void {
    const peers: Record<string, RemotePeerView> = {};
    if (this.sfu) {
      // Through the SFU every other participant arrives on the one receiving connection.
      const incoming = this.sfu.incoming();
      for (const { memberId } of this.call?.participants ?? []) {
        if (memberId === this.me) continue;
        peers[memberId] = {
          memberId,
          state: this.sfu.state,
          incoming: incoming.get(memberId) ?? { audio: null, camera: null, screen: null },
          quality: this.quality.get(SFU_SUBSCRIBE) ?? 'unknown',
        };
      }
    }
    for (const [memberId, { peer }] of this.peers) {
      peers[memberId] = {
        memberId,
        state: peer.state,
        incoming: { ...peer.incoming },
        quality: this.quality.get(memberId) ?? 'unknown',
      };
    }
    this.update({ peers });
  }

  private setOutgoing(change: Partial<OutgoingTracks>): void {
    this.tracks = { ...this.tracks, ...change };
    for (const { peer } of this.peers.values()) peer.setTracks(change);
    this.sfu?.setTracks(change);
    this.update({ local: this.tracks });
  }

  private async stopScreen(): Promise<void> {
    this.tracks.screen?.stop();
    this.setOutgoing({ screen: null });
    this.update({ screen: false });
    await this.emit('call:update', { screen: false });
  }

  private applyPlan(participants: readonly CallParticipant[] | null, mySinceChanged: boolean) {
    if (!this.current.joined) participants = null;
    const held = new Map<string, string | null>(this.hungUp);
    for (const [memberId, { since }] of this.peers) held.set(memberId, since);
    const plan = planPeers(held, participants, this.me, mySinceChanged);
    for (const memberId of plan.close) {
      this.hungUp.delete(memberId);
      // They left or came back on a new page: a new connection starts with a clean slate.
      this.renewals.delete(memberId);
      this.closePeer(memberId);
    }
    for (const { memberId, since } of plan.adopt) {
      const held = this.peers.get(memberId);
      if (held) held.since = since;
      else this.hungUp.set(memberId, since);
    }
    for (const { memberId, since } of plan.open) {
      if (this.hungUp.get(memberId) === since) continue;
      this.hungUp.delete(memberId);
      this.openPeer(memberId, since);
    }
    this.refreshPeers();
  }

  /**
   * The call goes through the SFU: the mesh's connections give way to two to the SFU (made anew
   * when this member joined again, as the SFU let its old ones go).
   */
  private useSfu(mySinceChanged: boolean): void {
    for (const memberId of [...this.peers.keys()]) this.closePeer(memberId);
    this.hungUp.clear();
    this.renewals.clear();
    if (mySinceChanged) this.closeSfu();
    if (!this.sfu) this.parked = [];
    this.sfu ??= new SfuConnection({
      configuration: this.configuration,
      tracks: this.tracks,
      send: (to, signal) => this.sendSignal(to, signal),
      onChange: () => this.refreshPeers(),
    });
    this.refreshPeers();
  }

  /** The signals parked lately, as if they came now; older ones belong to the mesh before. */
  private replayParked(): void {
    const since = Date.now() - PARKED_MS;
    const recent = this.parked.filter(({ at }) => at >= since);
    this.parked = [];
    for (const { signal } of recent) this.receiveSignal(signal);
  }

  private closeSfu(): void {
    if (!this.sfu) return;
    this.sfu.close();
    this.sfu = null;
    for (const side of [SFU_PUBLISH, SFU_SUBSCRIBE]) this.forgetConnection(side);
  }

  private openPeer(memberId: string, since: string | null): Peer {
    const peer = new Peer({
      memberId,
      polite: isPolite(this.me, memberId),
      configuration: this.configuration,
      tracks: this.tracks,
      send: (signal) => this.sendSignal(memberId, signal),
      onConnectionTrouble: (troubled) => this.connectionTrouble(troubled),
      onChange: () => this.refreshPeers(),
    });
    this.peers.set(memberId, { peer, since });
    return peer;
  }

  private closePeer(memberId: string): void {
    this.peers.get(memberId)?.peer.close();
    this.peers.delete(memberId);
    this.forgetConnection(memberId);
  }

  /** What this page kept of a connection (to a member, or an SFU side) that is gone. */
  private forgetConnection(key: string): void {
    this.quality.delete(key);
    this.readings.delete(key);
    this.outgoing.delete(key);
  }

  /**
   * A connection failed, stayed disconnected, or never got through. One that worked once gets a
   * new ICE session; one that never did is made anew on both sides (a `hangup` with reason
   * `restart` asks the other side to do the same), a few times, since a browser's stuck ICE
   * agent does not come back with a restart.
   */
  private connectionTrouble(peer: Peer): void {
    const memberId = peer.memberId;
    const held = this.peers.get(memberId);
    if (held?.peer !== peer) return;
    const renewed = this.renewals.get(memberId) ?? 0;
    if (peer.everConnected || renewed >= RENEWALS) {
      void peer.restartIce();
      return;
    }
    this.renewals.set(memberId, renewed + 1);
    this.renewPeer(memberId, held.since);
    this.sendSignal(memberId, { type: 'hangup', data: { reason: RESTART } });
  }

  private renewPeer(memberId: string, since: string | null): void {
    this.closePeer(memberId);
    this.openPeer(memberId, since);
    this.refreshPeers();
  }

  private restartAll(): void {
    if (!this.current.joined) return;
    for (const { peer } of this.peers.values()) void peer.restartIce();
    this.sfu?.restartIce();
  }

  private receiveSignal(signal: SignalEvent): void {
    const { from, type, data } = signal;
    if (!this.current.joined || from === this.me) return;
    if (isSfuTarget(from)) {
      this.sfu?.receive(signal);
      return;
    }
    if (this.sfu) {
      // Left over from the mesh before, or ahead of the state that makes it a mesh again.
      this.parked.push({ signal, at: Date.now() });
      if (this.parked.length > PARKED_MAX) this.parked.shift();
      return;
    }
    if (type === 'hangup') {
      const held = this.peers.get(from);
      if ((data as { reason?: unknown } | null)?.reason === RESTART) {
        // Their side of our connection is made anew: ours too.
        if (held) this.renewPeer(from, held.since);
        return;
      }
      if (held) this.hungUp.set(from, held.since);
      this.closePeer(from);
      this.refreshPeers();
      return;
    }
    let held = this.peers.get(from);
    if (!held) {
      // What is left over of a connection closed here (a candidate after a hang-up) is dropped.
      if (type !== 'offer') return;
      // Their offer came before the call state that names them: answer it now.
      const since = participantOf(this.call?.participants, from)?.since ?? null;
      this.hungUp.delete(from);
      held = { peer: this.openPeer(from, since), since };
      this.refreshPeers();
    }
    void held.peer.receive({ type, data });
  }

  /** Sends one signal to `to` after the ones before it, so candidates never pass their offer. */
  private sendSignal(to: string, signal: OutgoingSignal): void {
    const previous = this.outgoing.get(to) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (let attempt = 1; attempt <= SIGNAL_ATTEMPTS; attempt++) {
        // A signal that cannot go now is not kept: the reconnection restarts ICE instead.
        const open = isSfuTarget(to) ? this.sfu !== null : this.peers.has(to);
        if (!this.socket.connected || !open) return;
        const ack = await this.emit('signal', { to, ...signal });
        if (ack.ok || ack.error.code !== 'rate_limited') return;
        await new Promise((resolve) => setTimeout(resolve, SIGNAL_RETRY_MS * attempt));
      }
    });
    this.outgoing.set(to, next);
  }

  /** Emits a client event and resolves with its ack (a timeout becomes a network error). */
  private emit<R extends object = object>(
    event: 'call:join' | 'call:update' | 'call:leave' | 'signal',
    payload: unknown,
  ): Promise<Ack<R>> {
    return new Promise((resolve) => {
      const callback: AckCallback<R> = (timedOut, ack) =>
        resolve(
          timedOut
            ? {
                ok: false,
                error: { code: 'internal_error', message: 'No answer from the server.' },
              }
            : ack,
        );
      (
        this.socket.timeout(ACK_TIMEOUT_MS) as unknown as {
          emit: (event: string, payload: unknown, callback: AckCallback<R>) => void;
        }
      ).emit(event, payload, callback);
    });
  }

  private async rejoin(): Promise<void> {
    if (this.rejoining) return;
    this.rejoining = true;
    const ack = await this.emit<{ call: Call }>('call:join', {
      audio: this.current.microphone,
      video: this.current.camera,
    });
    this.rejoining = false;
    if (!ack.ok) {
      this.endLocally();
      this.update({ notice: describeJoinRefusal(ack.error) });
      return;
    }
    this.onCall(ack.call);
    this.setCall(ack.call);
  }

  private endLocally(): void {
    for (const memberId of [...this.peers.keys()]) this.closePeer(memberId);
    this.closeSfu();
    this.hungUp.clear();
    this.renewals.clear();
    this.stopTracks(this.tracks);
    this.tracks = { ...EMPTY_TRACKS };
    clearTimeout(this.iceTimer);
    clearInterval(this.qualityTimer);
    this.mySince = null;
    this.update({ ...NOT_IN_CALL, local: this.tracks });
  }

  private stopTracks(tracks: Partial<OutgoingTracks>): void {
    for (const track of Object.values(tracks)) track?.stop();
  }

  /**
   * The microphone and (with `video`) the camera, asked for together so the browser asks once.
   * When both cannot be had, the microphone alone; when not even that, nothing: the member
   * listens, and `notice` says why.
   */
  private async openDevices(
    audio: boolean,
    video: boolean,
  ): Promise<{
    audio: MediaStreamTrack | null;
    camera: MediaStreamTrack | null;
    notice: string | null;
  }> {
    const devices = navigator.mediaDevices as MediaDevices | undefined;
    if (!devices?.getUserMedia) {
      const why = mediaMissingReason();
      return { audio: null, camera: null, notice: describeMediaError(why, 'microphone') };
    }
    const want = (kind: 'audio' | 'video', id: string | null): MediaTrackConstraints | boolean =>
      id ? { deviceId: { exact: id } } : kind === 'audio' ? { echoCancellation: true } : true;
    try {
      const stream = await devices.getUserMedia({
        audio: audio && want('audio', this.current.microphoneId),
        video: video && want('video', this.current.cameraId),
      });
      return {
        audio: stream.getAudioTracks()[0] ?? null,
        camera: stream.getVideoTracks()[0] ?? null,
        notice: null,
      };
    } catch (error) {
      const both: MediaKind = video ? 'microphone and camera' : 'microphone';
      if (!video || mediaErrorName(error) === 'NotAllowedError') {
        return { audio: null, camera: null, notice: describeMediaError(error, both) };
      }
      // The camera may be what failed (missing, busy): try the microphone alone.
      const alone = await this.openDevices(true, false);
      return {
        ...alone,
        notice: alone.audio ? describeMediaError(error, 'camera') : alone.notice,
      };
    }
  }

  /** One new track of `kind`, or null with the reason in `notice`. */
  private async openTrack(
    kind: 'audio' | 'video',
    deviceId: string | null,
  ): Promise<MediaStreamTrack | null> {
    const name: MediaKind = kind === 'audio' ? 'microphone' : 'camera';
    const devices = navigator.mediaDevices as MediaDevices | undefined;
    if (!devices?.getUserMedia) {
      const why = mediaMissingReason();
      this.update({ notice: describeMediaError(why, name) });
      return null;
    }
    try {
      const constraints = deviceId ? { deviceId: { exact: deviceId } } : true;
      const stream = await devices.getUserMedia({ [kind]: constraints });
      const track = (kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks())[0];
      void this.listDevices();
      return track ?? null;
    } catch (error) {
      this.update({ notice: describeMediaError(error, name) });
      return null;
    }
  }

  private async listDevices(): Promise<void> {
    const devices = navigator.mediaDevices as MediaDevices | undefined;
    if (!devices?.enumerateDevices) return;
    try {
      const all = await devices.enumerateDevices();
      // Before permission is given, devices have no id or label: nothing to choose from yet.
      const usable = all.filter((device) => device.deviceId !== '');
      this.update({
        microphones: usable.filter((device) => device.kind === 'audioinput'),
        cameras: usable.filter((device) => device.kind === 'videoinput'),
        microphoneId:
          this.current.microphoneId ?? this.tracks.audio?.getSettings().deviceId ?? null,
        cameraId: this.current.cameraId ?? this.tracks.camera?.getSettings().deviceId ?? null,
      });
    } catch {
      // Without the list the pickers stay empty; the default devices still work.
    }
  }

  private async loadIceServers(): Promise<void> {
    const { iceServers, ttlSeconds } = await fetchIceServers(this.roomId, this.token);
    if (this.disposed) return;
    this.configuration = { iceServers };
    for (const { peer } of this.peers.values()) peer.setConfiguration(this.configuration);
    this.sfu?.setConfiguration(this.configuration);
    clearTimeout(this.iceTimer);
    if (ttlSeconds > 0) {
      this.iceTimer = setTimeout(
        () => {
          if (this.current.joined) void this.loadIceServers();
        },
        ttlSeconds * 1000 * ICE_REFRESH_SHARE,
      );
    }
  }

  private startTimers(): void {
    clearInterval(this.qualityTimer);
    this.qualityTimer = setInterval(() => void this.measure(), QUALITY_EVERY_MS);
  }

  /** Reads every connection's figures, grades them and reports them to the server. */
  private async measure(): Promise<void> {
    const peers: {
      memberId: string;
      candidateType: PeerReading['candidateType'];
      rttMs: number | null;
    }[] = [];
    for (const [memberId, connection] of Object.entries(this.connections())) {
      try {
        const report = await connection.getStats();
        const entries: StatsEntry[] = [];
        report.forEach((entry: StatsEntry) => entries.push(entry));
        const reading = readPeerStats(entries);
        const loss = lossBetween(this.readings.get(memberId), reading);
        this.readings.set(memberId, reading);
        this.quality.set(memberId, gradeQuality(reading.rttMs, loss));
        peers.push({ memberId, candidateType: reading.candidateType, rttMs: reading.rttMs });
      } catch {
        // A connection closed while being read is gone from the next reading.
      }
    }
    if (this.disposed || !this.current.joined) return;
    this.refreshPeers();
    if (peers.length > 0 && this.socket.connected) {
      this.socket.emit('call:quality', { peers: peers.slice(0, 32) });
    }
  }
}

declare global {
  interface Window {
    /** Set only when `localStorage.roomkitDebug` is: the browser journeys' view into the call. */
    roomkitCall?: CallController;
  }
}

/** Puts the controller on `window` for the browser journeys, when this browser asked for it. */
export function exposeForTests(controller: CallController): () => void {
  let wanted = false;
  try {
    wanted = window.localStorage.getItem('roomkitDebug') !== null;
  } catch {
    // Storage refused (a sandboxed frame): no debug handle.
  }
  if (!wanted) return () => {};
  window.roomkitCall = controller;
  return () => {
    if (window.roomkitCall === controller) delete window.roomkitCall;
  };
}
