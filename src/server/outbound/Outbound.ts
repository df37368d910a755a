import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { AppError } from '../core/AppError.js';
import { ACCEPT_ENCODING, cappedBody } from './cappedBody.js';
import { allowedHostKeys, checkUrl, DEFAULT_PORTS, type UrlRules } from './checkUrl.js';
import {
  outcomes,
  reasonOf,
  refusalReasons,
  refused,
  upstreamFailed,
  type FailureReason,
  type Outcome,
  type RefusalReason,
} from './outboundErrors.js';
import {
  ForbiddenAddressError,
  pinnedLookup,
  systemResolver,
  type Resolver,
} from './pinnedLookup.js';

/** Redirects followed at most; each is checked like the first URL. */
export const MAX_REDIRECTS = 5;

export interface OutboundTimeouts {
  /** Opening the connection (TCP, and TLS for https). */
  connectMs: number;
  /** From sending the request to the end of the response's headers: the first byte, and more. */
  headersMs: number;
  /** The whole request: every redirect, and the body read to its end. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: OutboundTimeouts = {
  connectMs: 5_000,
  headersMs: 5_000,
  totalMs: 10_000,
};
/** The body read at most when a caller does not say: callers with less to read pass their own. */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

// src/server/outbound/ and dist/server/outbound/ alike sit three folders below package.json.
const { version } = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as { version: string };
export const USER_AGENT = `Roomkit/${version} (+link previews)`;
const TRUSTED_USER_AGENT = `Roomkit/${version}`;

export interface OutboundOptions {
  /** FETCH_ALLOW_HOSTS: `host` (on 80 and 443) or `host:port`, fetched even if private. */
  allowHosts?: readonly string[];
  /** How hostnames are resolved (the system's resolver; tests map names themselves). */
  resolve?: Resolver;
  /** The ports any host may be fetched on (80 and 443; tests add a local listener's). */
  ports?: readonly number[];
  timeouts?: Partial<OutboundTimeouts>;
  /** The body read at most, unless a request says otherwise. */
  maxBytes?: number;
  /**
   * The certificate authorities https is checked against, instead of the system's (tests'
   * own HTTPS sites).
   */
  ca?: string;
}

export interface FetchOptions {
  method?: 'GET' | 'HEAD';
  /** The Accept header (`*\/*`). */
  accept?: string;
  /** The body read at most, after decompression; past it the request fails `too_large`. */
  maxBytes?: number;
  /** The connect timeout is the door's; these shorten (or lengthen) the others for a request. */
  timeouts?: Partial<Pick<OutboundTimeouts, 'headersMs' | 'totalMs'>>;
  /** A final answer that is not 2xx fails with `status` (the status in `details`). */
  requireOk?: boolean;
  /** Stops the request; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  /** Where the answer came from, after the redirects. */
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  redirects: number;
}

export interface OutboundStream extends OutboundResponse {
  /**
   * The body, decoded and capped. Iterating it may throw `upstream_failed` (`too_large`,
   * `timeout`, …); stopping early (`break`) ends the request.
   */
  body: AsyncIterable<Buffer>;
  /** Ends the request without reading (the rest of) the body. */
  cancel(): void;
}

export interface TrustedRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  maxBytes?: number;
  timeouts?: Partial<Pick<OutboundTimeouts, 'headersMs' | 'totalMs'>>;
  signal?: AbortSignal;
}

export interface TrustedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An endpoint the operator configured (Piston, Janus): often on a private network by design, so
 * no address policy, but only its own origin, no redirects followed, the door's timeouts and
 * body cap, and no proxy from the environment.
 */
export interface TrustedDestination {
  readonly name: string;
  readonly origin: string;
  /** One request to `url`, which must be on `origin`; the body read whole (within the cap). */
  request(url: string | URL, init?: TrustedRequest): Promise<TrustedResponse>;
}

/** Counts since start, which health's /metrics reads. */
export interface OutboundTally {
  /** Refused URLs by reason (the web's and the trusted destinations'). */
  refusals: Record<RefusalReason, number>;
  /** Requests by destination (`web`, or a trusted destination's name) and outcome. */
  requests: Map<string, Record<Outcome, number>>;
}

/**
 * The one door through which the server makes HTTP requests (eslint.config.js keeps it so).
 *
 * `open`/`get` fetch from the web for whoever asked (link previews, the image proxy): each URL,
 * and each redirect's (at most 5, followed here), is checked before anything connects (checkUrl:
 * scheme, credentials, port, IP literals); a hostname is resolved once per connection, inside
 * the connection's lookup, and refused if any address is private (pinnedLookup), so what was
 * checked is what is connected to. Time is bounded three ways (connect, headers, total) and the
 * body by a cap on the decoded bytes. FETCH_ALLOW_HOSTS is the only way to a private host.
 *
 * Every request goes through this door's own undici Agents, never the global dispatcher: proxy
 * variables in the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY) are not read.
 *
 * Refusals reject with 400 `forbidden_address`, failures with 502 `upstream_failed`, each with
 * its reason in `details` (outboundErrors.ts); a request stopped through its signal rejects
 * with the signal's reason.
 */
export class Outbound {
  readonly tally: OutboundTally = {
    refusals: Object.fromEntries(refusalReasons.map((reason) => [reason, 0])) as Record<
      RefusalReason,
      number
    >,
    requests: new Map(),
  };
  private readonly rules: UrlRules;
  private readonly timeouts: OutboundTimeouts;
  private readonly maxBytes: number;
  /** Any host not allowed: every resolved address checked. */
  private readonly webAgent: Agent;
  /** FETCH_ALLOW_HOSTS' hosts: resolved the same way, not checked. */
  private readonly allowedAgent: Agent;
  private readonly agents: Agent[] = [];

  constructor(options: OutboundOptions = {}) {
    this.rules = {
      ports: new Set(options.ports ?? DEFAULT_PORTS),
      allowed: allowedHostKeys(options.allowHosts ?? []),
    };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const resolve = options.resolve ?? systemResolver;
    const ca = options.ca === undefined ? {} : { ca: options.ca };
    this.webAgent = this.agent({ lookup: pinnedLookup(resolve, true), ...ca });
    this.allowedAgent = this.agent({ lookup: pinnedLookup(resolve, false), ...ca });
  }

  /** Fetches a URL from the web; the body is read by the caller (see OutboundStream). */
  async open(input: string | URL, options: FetchOptions = {}): Promise<OutboundStream> {
    const method = options.method ?? 'GET';
    const maxBytes = options.maxBytes ?? this.maxBytes;
    const timeouts = { ...this.timeouts, ...options.timeouts };
    const call = this.call('web', timeouts.totalMs, options.signal);
    let response: Dispatcher.ResponseData | undefined;
    try {
      let target: string | URL = input;
      for (let redirects = 0; ; redirects++) {
        const { url, allowed } = checkUrl(target, this.rules);
        response = await (allowed ? this.allowedAgent : this.webAgent).request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method,
          headers: {
            'user-agent': USER_AGENT,
            accept: options.accept ?? '*/*',
            'accept-encoding': ACCEPT_ENCODING,
          },
          signal: call.signal,
          headersTimeout: timeouts.headersMs,
          bodyTimeout: timeouts.totalMs,
        });
        const { statusCode: status, headers } = response;
        const location = REDIRECTS.has(status) ? header(headers, 'location') : undefined;
        if (location !== undefined) {
          discard(response.body);
          response = undefined;
          if (redirects === MAX_REDIRECTS) throw refused('redirects');
          target = nextHop(location, url);
          continue;
        }
        if (options.requireOk && (status < 200 || status > 299)) {
          throw upstreamFailed('status', { status });
        }
        const source = response.body;
        // A body handed out but never read is still ended by the timer, and undici's body may
        // then emit an error: a reader sees it through its iteration; unread, it goes nowhere.
        source.on('error', () => {});
        if (method === 'HEAD' || status === 204 || status === 304) {
          discard(source);
          call.end('ok');
          return { url, status, headers, redirects, body: noBody(), cancel: () => {} };
        }
        const length = Number(header(headers, 'content-length') ?? NaN);
        const chunks = cappedBody(
          source,
          header(headers, 'content-encoding'),
          maxBytes,
          Number.isFinite(length) ? length : undefined,
        );
        const cancel = () => {
          discard(source);
          call.end('ok');
        };
        return { url, status, headers, redirects, body: call.body(chunks), cancel };
      }
    } catch (error) {
      if (response) discard(response.body);
      throw call.fail(error);
    }
  }

  /** Fetches a URL from the web and reads its body whole (within the cap). */
  async get(
    input: string | URL,
    options: FetchOptions = {},
  ): Promise<OutboundResponse & { body: Buffer }> {
    const { url, status, headers, redirects, body } = await this.open(input, options);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return { url, status, headers, redirects, body: Buffer.concat(chunks) };
  }

  /**
   * A configured endpoint (`url`'s origin), reached without the address policy; `name` labels
   * its requests in the metrics. `defaults` apply to each of its requests.
   */
  trusted(
    name: string,
    url: string,
    defaults: { timeouts?: Partial<OutboundTimeouts>; maxBytes?: number } = {},
  ): TrustedDestination {
    const { origin } = new URL(url);
    const base = { ...this.timeouts, ...defaults.timeouts };
    const agent = this.agent({}, base.connectMs);
    return {
      name,
      origin,
      request: async (target, init = {}) => {
        const timeouts = { ...base, ...init.timeouts };
        const call = this.call(name, timeouts.totalMs, init.signal);
        let response: Dispatcher.ResponseData | undefined;
        try {
          const url = new URL(String(target));
          if (url.origin !== origin) throw refused('destination');
          response = await agent.request({
            origin,
            path: `${url.pathname}${url.search}`,
            method: init.method ?? 'GET',
            headers: {
              'user-agent': TRUSTED_USER_AGENT,
              'accept-encoding': ACCEPT_ENCODING,
              ...init.headers,
            },
            body: init.body,
            signal: call.signal,
            headersTimeout: timeouts.headersMs,
            bodyTimeout: timeouts.totalMs,
          });
          const { statusCode: status, headers } = response;
          const length = Number(header(headers, 'content-length') ?? NaN);
          const chunks: Buffer[] = [];
          for await (const chunk of cappedBody(
            response.body,
            header(headers, 'content-encoding'),
            init.maxBytes ?? defaults.maxBytes ?? this.maxBytes,
            Number.isFinite(length) ? length : undefined,
          )) {
            chunks.push(chunk);
          }
          call.end('ok');
          return { status, headers, body: Buffer.concat(chunks) };
        } catch (error) {
          if (response) discard(response.body);
          throw call.fail(error);
        }
      },
    };
  }

  /** Ends every connection, requests in flight included (the server is shutting down). */
  async close(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.destroy()));
  }

  /**
   * An undici Agent of this door's: its own connections, never the global dispatcher and never
   * the environment's proxies.
   */
  private agent(connect: Agent.Options['connect'] & object, connectMs = this.timeouts.connectMs) {
    const agent = new Agent({ connect: { ...connect, timeout: connectMs } });
    this.agents.push(agent);
    return agent;
  }

  private call(destination: string, totalMs: number, signal: AbortSignal | undefined): Call {
    let counts = this.tally.requests.get(destination);
    if (!counts) {
      counts = Object.fromEntries(outcomes.map((outcome) => [outcome, 0])) as Record<
        Outcome,
        number
      >;
      this.tally.requests.set(destination, counts);
    }
    const tallied = counts;
    return new Call(totalMs, signal, (outcome, refusal) => {
      tallied[outcome]++;
      if (refusal) this.tally.refusals[refusal]++;
    });
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The body of a HEAD request, a 204 or a 304. */
async function* noBody(): AsyncGenerator<Buffer> {}

/** A redirect's Location against the URL that answered it; checked again by the next hop. */
function nextHop(location: string, from: URL): URL {
  try {
    return new URL(location, from);
  } catch {
    throw upstreamFailed('redirect');
  }
}

/** Ends a body that will not be read (undici's body errors when destroyed unread). */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One request's time limit, stop signal and outcome. Its timer runs from the first connection
 * to the body's last byte, redirects included; the outcome is counted once.
 */
class Call {
  private readonly controller = new AbortController();
  private timedOut = false;
  private ended = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onStop = () => this.controller.abort();

  constructor(
    totalMs: number,
    private readonly stop: AbortSignal | undefined,
    private readonly count: (outcome: Outcome, refusal?: RefusalReason) => void,
  ) {
    // Counted at once, even if the caller never reads the body it was handed.
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.end('timeout');
    }, totalMs);
    if (stop?.aborted) this.controller.abort();
    else stop?.addEventListener('abort', this.onStop, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The body, with failures translated and the call ended when it is read or left. */
  async *body(chunks: AsyncGenerator<Buffer, void, undefined>): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
    } catch (error) {
      throw this.fail(error);
    } finally {
      this.end('ok');
    }
  }

  end(outcome: Outcome, refusal?: RefusalReason): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.stop?.removeEventListener('abort', this.onStop);
    this.controller.abort();
    this.count(outcome, refusal);
  }

  /** What the caller is told of `error`; ends the call with its outcome. */
  fail(error: unknown): unknown {
    if (this.stop?.aborted && !this.timedOut) {
      this.end('aborted');
      return this.stop.reason;
    }
    const translated = this.timedOut
      ? upstreamFailed('timeout', { cause: error })
      : translate(error);
    const reason = reasonOf(translated);
    if (translated.code === 'forbidden_address') {
      this.end('refused', reason as RefusalReason);
    } else {
      this.end(reason as FailureReason);
    }
    return translated;
  }
}

/** An error of undici, the socket, DNS or zlib as the door's own. */
function translate(error: unknown): AppError {
  if (error instanceof AppError && reasonOf(error) !== undefined) return error;
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ForbiddenAddressError) return refused('private');
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  return upstreamFailed(typeof code === 'string' ? failureOf(code) : 'protocol', { cause: error });
}

function failureOf(code: string): FailureReason {
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'too_large';
  if (DNS_CODES.has(code)) return 'dns';
  if (/^(Z_|ERR_BROTLI|ERR_ZLIB)/.test(code)) return 'encoding';
  if (code.startsWith('HPE_') || code === 'UND_ERR_INFO') return 'protocol';
  // ECONNREFUSED, ECONNRESET, EHOSTUNREACH, UND_ERR_SOCKET, …
  return 'connect';
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
