/**
 * Calls' signals, state and socket events (API.md, "Realtime"): who is in a room's call and with
 * what, and the WebRTC signals members relay to one another through Roomkit.
 */
import { z } from 'zod';
import { clientEvent } from './clientEvent.js';
import { serverEvent } from './serverEvent.js';

/** Largest session description a signal carries (characters of SDP). */
export const CALL_SDP_MAX_CHARS = 64 * 1024;
/** Largest ICE candidate line a signal carries. */
export const CALL_CANDIDATE_MAX_CHARS = 1024;
/** Most people in a call held as a mesh when someone sends video (each sends to each). */
export const MESH_MAX_WITH_VIDEO = 4;
/** Most people in an audio-only mesh call. */
export const MESH_MAX_AUDIO_ONLY = 8;
/** Most people in a call through the SFU (`CALLS_SFU`). */
export const SFU_MAX_PARTICIPANTS = 32;

/**
 * In a call through the SFU, a participant's two connections are to the SFU, not to members: it
 * sends its media on one (it offers, the SFU answers) and receives everyone else's on the other
 * (the SFU offers, it answers). Signals go `to` and come `from` these names; member ids never
 * contain a colon.
 */
export const SFU_PUBLISH = 'sfu:publish';
export const SFU_SUBSCRIBE = 'sfu:subscribe';
export type SfuTarget = typeof SFU_PUBLISH | typeof SFU_SUBSCRIBE;

export function isSfuTarget(to: string): to is SfuTarget {
  return to === SFU_PUBLISH || to === SFU_SUBSCRIBE;
}

/** What one media line of the SFU's offer carries: whose sound, camera or screen. */
export const sfuStreamSchema = z.object({
  mid: z.string(),
  memberId: z.string(),
  role: z.enum(['audio', 'camera', 'screen']),
});
export type SfuStream = z.infer<typeof sfuStreamSchema>;

const sdpSchema = z.strictObject({
  sdp: z.string().min(1).max(CALL_SDP_MAX_CHARS, `at most ${CALL_SDP_MAX_CHARS} characters`),
});

/** An RTCIceCandidateInit; an empty `candidate` says the sender's candidates are all sent. */
const candidateSchema = z.strictObject({
  candidate: z
    .string()
    .max(CALL_CANDIDATE_MAX_CHARS, `at most ${CALL_CANDIDATE_MAX_CHARS} characters`),
  sdpMid: z.string().max(64).nullish(),
  sdpMLineIndex: z.number().int().min(0).max(1023).nullish(),
  usernameFragment: z.string().max(256).nullish(),
});

const hangupSchema = z.strictObject({ reason: z.string().max(64).optional() }).nullish();

const to = z.string().min(1).max(64);

/** `signal { to, type, data }`: `data` is the description, the candidate or nothing. */
export const signalSchema = z.discriminatedUnion('type', [
  z.strictObject({ to, type: z.literal('offer'), data: sdpSchema }),
  z.strictObject({ to, type: z.literal('answer'), data: sdpSchema }),
  z.strictObject({ to, type: z.literal('ice-candidate'), data: candidateSchema }),
  z.strictObject({ to, type: z.literal('hangup'), data: hangupSchema }),
]);
export type SignalInput = z.infer<typeof signalSchema>;
export type SignalType = SignalInput['type'];

/**
 * What the addressed member receives: the same signal, from whom. An offer `from`
 * `sfu:subscribe` also lists its media lines' `streams` (SfuStream).
 */
export const signalEventSchema = z.object({
  from: z.string().min(1),
  type: z.enum(['offer', 'answer', 'ice-candidate', 'hangup']),
  data: z.unknown(),
});
export type SignalEvent = z.infer<typeof signalEventSchema>;

export const callParticipantSchema = z.object({
  memberId: z.string().min(1),
  audio: z.boolean(),
  video: z.boolean(),
  screen: z.boolean(),
  /** When this member joined the call: a new `since` is a new connection to set up. */
  since: z.iso.datetime(),
});
export type CallParticipant = z.infer<typeof callParticipantSchema>;

/** A room's call, or `null` when nobody is in one. */
export const callSchema = z
  .object({
    participants: z.array(callParticipantSchema),
    topology: z.enum(['mesh', 'sfu']),
    startedAt: z.iso.datetime(),
  })
  .nullable();
export type Call = z.infer<typeof callSchema>;

export const callJoinSchema = z.strictObject({ audio: z.boolean(), video: z.boolean() });
export type CallJoinInput = z.infer<typeof callJoinSchema>;

export const callUpdateSchema = z
  .strictObject({
    audio: z.boolean().optional(),
    video: z.boolean().optional(),
    screen: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give audio, video or screen');
export type CallUpdateInput = z.infer<typeof callUpdateSchema>;

export const callLeaveSchema = z.strictObject({});

/** How a participant's peer connections are doing, as its client measures them (getStats). */
export const callQualitySchema = z.strictObject({
  peers: z
    .array(
      z.strictObject({
        memberId: to,
        /** The local candidate of the pair in use: `relay` means through TURN. */
        candidateType: z.enum(['host', 'srflx', 'prflx', 'relay']).nullable(),
        rttMs: z.number().min(0).max(60_000).nullable(),
      }),
    )
    .max(32),
});
export type CallQualityInput = z.infer<typeof callQualitySchema>;

/**
 * `GET /api/rooms/:roomId/ice-servers`: STUN and TURN servers for the member's peer connections;
 * TURN credentials (when Roomkit issues them) hold for `ttlSeconds`.
 */
export const iceServerSchema = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof iceServerSchema>;

export const iceServersResponseSchema = z.object({
  iceServers: z.array(iceServerSchema),
  ttlSeconds: z.number().int().min(0),
});
export type IceServersResponse = z.infer<typeof iceServersResponseSchema>;

export const callsClientEvents = {
  signal: clientEvent(signalSchema).acks(),
  'call:join': clientEvent(callJoinSchema).acks<{ call: Call }>(),
  'call:update': clientEvent(callUpdateSchema).acks<{ call: Call }>(),
  'call:leave': clientEvent(callLeaveSchema).acks(),
  /** A participant's connection figures, every few seconds (admin and metrics only). */
  'call:quality': clientEvent(callQualitySchema).mayAck(),
};

export const callsServerEvents = {
  /** A signal addressed to this member; never kept for a reconnect (decision 021). */
  signal: serverEvent(signalEventSchema),
  /** The room's call changed: someone joined, left or turned a camera on. */
  'call:state': serverEvent(z.object({ call: callSchema })),
};
