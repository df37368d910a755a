import { z } from 'zod';
import { MESH_MAX_AUDIO_ONLY, MESH_MAX_WITH_VIDEO, type IceServer } from '../../protocol/calls.js';
import { defineSettings, isPrefixedHttpUrl } from '../kernel/settings.js';

/** A STUN or TURN server's URL: `stun:`, `stuns:`, `turn:` or `turns:` and a host. */
const iceUrl = z
  .string()
  .regex(/^(stuns?|turns?):[^\s]+$/, 'must be a stun:, stuns:, turn: or turns: URL');

/** One entry of `ICE_SERVERS`: a URL, or an RTCIceServer (fixed credentials optional). */
const iceServerEntry = z.union([
  iceUrl,
  z.strictObject({
    urls: z.union([iceUrl, z.array(iceUrl).min(1)]),
    username: z.string().min(1).optional(),
    credential: z.string().min(1).optional(),
  }),
]);

const iceServerList = z.string().transform((value, ctx) => {
  try {
    const parsed: unknown = JSON.parse(value);
    const list = z.array(iceServerEntry).safeParse(parsed);
    if (list.success) return list.data;
    ctx.addIssue({
      code: 'custom',
      message: `must be a JSON list of STUN/TURN URLs or { urls, username, credential }: ${list.error.issues[0]?.message ?? ''}`,
    });
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON list' });
  }
  return z.NEVER;
});

/** `janus:http://127.0.0.1:8088/janus`: Janus's HTTP API, without credentials in the URL. */
const sfuUrl = z
  .string()
  .refine(
    (value) => isPrefixedHttpUrl(value, 'janus:'),
    'must be janus:<http(s) URL of Janus’s HTTP API> without credentials',
  )
  .transform((value) => ({ kind: 'janus' as const, url: value.slice('janus:'.length) }));

/** A mesh's size: 2 to 16 people (each sends to each, so bigger meshes cost every sender). */
const meshSize = (fallback: number) => z.coerce.number().int().min(2).max(16).default(fallback);

/** Calls' settings (API.md, "Running"): STUN/TURN servers, TURN credentials, the SFU. */
export const callsSettings = defineSettings(
  {
    ICE_SERVERS: iceServerList
      .optional()
      .describe(
        'STUN/TURN servers for calls (JSON list of URLs or { urls, username, credential })',
      ),
    TURN_SECRET: z
      .string()
      .min(16, 'at least 16 characters')
      .optional()
      .describe("secret for short-lived TURN credentials (coturn's static-auth-secret)"),
    CALLS_SFU: sfuUrl
      .optional()
      .describe('janus:<url of Janus’s HTTP API> for calls above the mesh size'),
    CALLS_MESH_VIDEO_MAX: meshSize(MESH_MAX_WITH_VIDEO).describe(
      'most people in a mesh call when anyone sends video (past it: the SFU, or refused)',
    ),
    CALLS_MESH_AUDIO_MAX: meshSize(MESH_MAX_AUDIO_ONLY).describe(
      'most people in an audio-only mesh call (past it: the SFU, or refused)',
    ),
    JANUS_API_SECRET: z
      .string()
      .min(1)
      .optional()
      .describe('the api_secret Janus requires, if it requires one'),
  },
  (env) => ({
    /** STUN and TURN servers, each as an RTCIceServer. */
    iceServers: (env.ICE_SERVERS ?? []).map((entry): IceServer =>
      typeof entry === 'string' ? { urls: entry } : entry,
    ),
    turnSecret: env.TURN_SECRET,
    sfu: env.CALLS_SFU && { ...env.CALLS_SFU, apiSecret: env.JANUS_API_SECRET },
    /** How many people a call holds as a mesh, with video and with audio only. */
    meshMax: { video: env.CALLS_MESH_VIDEO_MAX, audio: env.CALLS_MESH_AUDIO_MAX },
  }),
);
