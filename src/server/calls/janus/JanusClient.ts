import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Outbound, TrustedDestination } from '../../outbound/Outbound.js';

/** Janus drops a session it has not heard from in 60 s (its `session_timeout`). */
const KEEPALIVE_MS = 25_000;
/** How long one request to Janus may take. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long Janus holds a long poll open before answering `keepalive` (its own limit is 30 s). */
const POLL_TIMEOUT_MS = 35_000;
/** The largest answer read: a long poll brings up to 10 events, some with an SDP. */
const ANSWER_MAX_BYTES = 4 * 1024 * 1024;

/** Janus's error code for a session it does not know. */
export const NO_SUCH_SESSION = 458;

/** Janus's answer envelope (its HTTP API): what this client reads of it. */
const replySchema = z.object({
  janus: z.string(),
  transaction: z.string().optional(),
  session_id: z.number().optional(),
  sender: z.number().optional(),
  data: z.object({ id: z.number() }).partial().optional(),
  error: z.object({ code: z.number(), reason: z.string() }).optional(),
  plugindata: z.object({ plugin: z.string(), data: z.record(z.string(), z.unknown()) }).optional(),
  jsep: z.object({ type: z.string(), sdp: z.string() }).optional(),
});
export type JanusReply = z.infer<typeof replySchema>;

/** An event Janus sends a handle: a plugin's answer to a message, media or hang-up news. */
export interface JanusEvent {
  handleId: number;
  /** `event`, `webrtcup`, `media`, `hangup`, `detached`, `slowlink`, … */
  kind: string;
  transaction: string | undefined;
  data: Record<string, unknown> | undefined;
  jsep: { type: string; sdp: string } | undefined;
}

/** Janus refused a request, or could not be reached: `code` is Janus's or the plugin's. */
export class JanusError extends Error {
  override name = 'JanusError';
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

/**
 * A client of Janus's HTTP API (the `janus.transport.http` plugin): sessions, handles on a
 * plugin, synchronous plugin requests, asynchronous messages whose answers come as events on the
 * session's long poll, trickled candidates. Every request carries the API secret when one is set.
 * Janus is reached through the outbound door as a trusted destination (configured, usually on a
 * private network): only its origin, within the door's caps, never through a proxy.
 */
export class JanusClient {
  private readonly janus: TrustedDestination;

  constructor(
    outbound: Outbound,
    /** Janus's HTTP API, e.g. `http://127.0.0.1:8088/janus`. */
    readonly url: string,
    private readonly apiSecret?: string,
  ) {
    this.janus = outbound.trusted('janus', url, { maxBytes: ANSWER_MAX_BYTES });
  }

  /**
   * Opens a session, kept alive until `destroy()`; `onEvent` hears its handles' events, `onLost`
   * that Janus no longer knows the session (it restarted, or timed the session out).
   */
  async session(
    onEvent: (event: JanusEvent) => void = () => {},
    onLost: () => void = () => {},
  ): Promise<JanusSession> {
    const reply = await this.post(this.url, { janus: 'create' });
    const id = reply.data?.id;
    if (id === undefined) throw new JanusError('Janus answered create without a session id');
    return new JanusSession(this, id, onEvent, onLost);
  }

  /** A handle opened earlier (perhaps by another instance), by its session's and its own id. */
  handle(sessionId: number, handleId: number): JanusHandle {
    return new JanusHandle(this, `${this.url}/${sessionId}/${handleId}`, handleId);
  }

  /** One request to Janus, answered `success` or `ack` (else a JanusError). */
  async post(url: string, body: Record<string, unknown>): Promise<JanusReply> {
    const request = { ...body, transaction: transaction(), apisecret: this.apiSecret };
    const reply = await this.postJson(url, JSON.stringify(request));
    if (reply.janus === 'error' || reply.error)
      throw new JanusError(reply.error?.reason ?? 'Janus refused the request', reply.error?.code);
    const pluginError = reply.plugindata?.data.error;
    if (typeof pluginError === 'string') {
      const code = reply.plugindata?.data.error_code;
      throw new JanusError(pluginError, typeof code === 'number' ? code : undefined);
    }
    return reply;
  }

  /** The long poll of a session: the events Janus has for it (none after a quiet 30 s). */
  async poll(sessionUrl: string, signal: AbortSignal): Promise<JanusReply[]> {
    const query = new URLSearchParams({ maxev: '10', rid: String(Date.now()) });
    if (this.apiSecret) query.set('apisecret', this.apiSecret);
    const response = await this.janus.request(`${sessionUrl}?${query}`, {
      signal,
      timeouts: { headersMs: POLL_TIMEOUT_MS, totalMs: POLL_TIMEOUT_MS },
    });
    // Janus answers the long poll of a session it does not know with a bare 404.
    if (response.status === 404) throw new JanusError('Janus lost the session', NO_SUCH_SESSION);
    const body: unknown = JSON.parse(response.body.toString('utf8'));
    return z.array(replySchema).parse(Array.isArray(body) ? body : [body]);
  }

  private async postJson(url: string, body: string): Promise<JanusReply> {
    let response;
    try {
      response = await this.janus.request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        timeouts: { headersMs: REQUEST_TIMEOUT_MS, totalMs: REQUEST_TIMEOUT_MS },
      });
    } catch (error) {
      throw new JanusError(`Janus cannot be reached: ${failure(error)}`);
    }
    if (response.status < 200 || response.status > 299) {
      throw new JanusError(`Janus answered HTTP ${response.status}`);
    }
    return replySchema.parse(JSON.parse(response.body.toString('utf8')));
  }
}

/** A Janus session: kept alive by a long poll that also delivers its handles' events. */
export class JanusSession {
  readonly url: string;
  private readonly stop = new AbortController();
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly client: JanusClient,
    readonly id: number,
    private readonly onEvent: (event: JanusEvent) => void,
    private readonly onLost: () => void,
  ) {
    this.url = `${client.url}/${id}`;
    this.keepalive = setInterval(() => {
      this.client.post(this.url, { janus: 'keepalive' }).catch(() => {});
    }, KEEPALIVE_MS);
    this.keepalive.unref();
    void this.listen();
  }

  /** A handle on `plugin` (e.g. `janus.plugin.videoroom`) in this session. */
  async attach(plugin: string): Promise<JanusHandle> {
    const reply = await this.client.post(this.url, { janus: 'attach', plugin });
    const id = reply.data?.id;
    if (id === undefined) throw new JanusError('Janus answered attach without a handle id');
    return new JanusHandle(this.client, `${this.url}/${id}`, id);
  }

  /** Ends the session and every handle in it. */
  async destroy(): Promise<void> {
    clearInterval(this.keepalive);
    this.stop.abort();
    await this.client.post(this.url, { janus: 'destroy' }).catch(() => {});
  }

  private async listen(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        for (const reply of await this.client.poll(this.url, this.stop.signal)) {
          if (reply.error?.code === NO_SUCH_SESSION) throw new JanusError('lost', NO_SUCH_SESSION);
          if (reply.janus === 'keepalive' || reply.sender === undefined) continue;
          this.onEvent({
            handleId: reply.sender,
            kind: reply.janus,
            transaction: reply.transaction,
            data: reply.plugindata?.data,
            jsep: reply.jsep,
          });
        }
      } catch (error) {
        if (error instanceof JanusError && error.code === NO_SUCH_SESSION) {
          clearInterval(this.keepalive);
          this.stop.abort();
          this.onLost();
          return;
        }
        // A poll that failed (Janus unreachable, restarting) is tried again shortly.
        if (!this.stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}

/** A handle on a plugin: its requests, messages and candidates. */
export class JanusHandle {
  constructor(
    private readonly client: JanusClient,
    private readonly url: string,
    readonly id: number,
  ) {}

  /** A synchronous plugin request (VideoRoom's create, destroy, exists…): the plugin's answer. */
  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = await this.client.post(this.url, { janus: 'message', body });
    if (!reply.plugindata) throw new JanusError(`Janus answered ${reply.janus} without data`);
    return reply.plugindata.data;
  }

  /** An asynchronous message (join, configure, start…): acked now, answered as an event. */
  async message(
    body: Record<string, unknown>,
    jsep?: { type: string; sdp: string },
  ): Promise<void> {
    await this.client.post(this.url, { janus: 'message', body, ...(jsep && { jsep }) });
  }

  /** A candidate of the browser's, or `{ completed: true }` when it has sent them all. */
  async trickle(candidate: Record<string, unknown>): Promise<void> {
    await this.client.post(this.url, { janus: 'trickle', candidate });
  }

  async detach(): Promise<void> {
    await this.client.post(this.url, { janus: 'detach' }).catch(() => {});
  }
}

/** What went wrong with a request: the network's code (`ECONNREFUSED`) or the door's reason. */
function failure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  const reason = (error as { details?: { reason?: unknown } }).details?.reason;
  if (typeof reason === 'string') return reason;
  return error instanceof Error ? error.message : String(error);
}

function transaction(): string {
  return randomBytes(9).toString('base64url');
}
