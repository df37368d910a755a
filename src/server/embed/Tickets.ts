import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  EMBED_CLOCK_SKEW_MS,
  EMBED_MAX_LIFETIME_MS,
  embedTicketSchema,
  type EmbedTicket,
  type EmbedTicketPair,
} from '../../protocol/embed.js';
import type { ErrorCode } from '../../protocol/errors.js';
import { AppError } from '../core/AppError.js';
import type { Clock } from '../core/Clock.js';
import type { ExpiringKeys } from '../core/ExpiringKeys.js';
import type { Integrator, Integrators } from './Integrators.js';

/** A ticket whose every check passed (its nonce aside): who signed it and what it says. */
export interface CheckedTicket {
  integrator: Integrator;
  ticket: EmbedTicket;
  issuedAt: number;
  expiresAt: number;
}

/** One check of a ticket as the diagnostics page shows it. */
export interface TicketStep {
  check: 'format' | 'integrator' | 'signature' | 'fields' | 'time' | 'origin' | 'nonce';
  ok: boolean;
  /** What was found, in words an integrator's developer can act on. */
  detail: string;
}

/** The outcome of looking at a ticket: the checked ticket, or the refusal, and every step. */
export interface TicketInspection {
  checked?: CheckedTicket;
  refusal?: AppError;
  steps: TicketStep[];
  /** The integrator the ticket names, if there is one by that id. */
  integrator?: Integrator;
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
/** What clients are told of a signature that does not hold: nothing more precise. */
const BAD_SIGNATURE = 'The ticket signature is not valid.';

/**
 * Checks the signed tickets of API.md, "Embedding": HMAC-SHA256 over the exact base64url
 * characters received, compared in constant time with each of the integrator's secrets; then
 * the fields, the times (issued at most 30 s in the future, alive at most 60 s, not past its
 * end), the origin by exact match; and the nonce, used once across every instance.
 */
export class Tickets {
  constructor(
    private readonly integrators: Integrators,
    private readonly clock: Clock,
    /** Nonces already used: in RAM with one instance, `SET NX PX` in Redis with several. */
    private readonly nonces: ExpiringKeys,
  ) {}

  /** Every check but the nonce's use; throws the refusal. */
  check(pair: EmbedTicketPair): CheckedTicket {
    const { checked, refusal } = this.inspect(pair, false);
    if (refusal) throw refusal;
    return checked as CheckedTicket;
  }

  /** Every check, and the nonce used up: a second redemption of the ticket is `ticket_replayed`. */
  async redeem(pair: EmbedTicketPair): Promise<CheckedTicket> {
    const checked = this.check(pair);
    const remember = checked.expiresAt - this.clock.now() + 1_000;
    if (!(await this.nonces.add(nonceKey(checked), remember))) throw replayed();
    return checked;
  }

  /** Whether the ticket's nonce was used already (the query form checks without using it). */
  async used(checked: CheckedTicket): Promise<boolean> {
    return this.nonces.hasAny([nonceKey(checked)]);
  }

  /** The diagnostics page's view: every step explained, the nonce looked at but not used. */
  async diagnose(pair: EmbedTicketPair): Promise<TicketInspection> {
    const inspection = this.inspect(pair, true);
    if (inspection.checked) {
      const used = await this.used(inspection.checked);
      inspection.steps.push({
        check: 'nonce',
        ok: !used,
        detail: used
          ? 'This nonce was used already: every ticket needs a fresh random nonce.'
          : 'not used yet (this page does not use it)',
      });
      if (used) {
        inspection.refusal = replayed();
        delete inspection.checked;
      }
    }
    return inspection;
  }

  /**
   * Looks at a ticket step by step. With `explain`, each step's detail says what was wrong and
   * what to try (the diagnostics page); without, details stay terse and the first failure ends it.
   */
  inspect(pair: EmbedTicketPair, explain: boolean): TicketInspection {
    const steps: TicketStep[] = [];
    const fail = (
      step: TicketStep['check'],
      code: ErrorCode,
      message: string,
      detail = message,
    ) => {
      steps.push({ check: step, ok: false, detail });
      return { refusal: new AppError(code, message), steps };
    };
    const pass = (step: TicketStep['check'], detail: string) =>
      steps.push({ check: step, ok: true, detail });

    // The payload is read for its integrator only; nothing else in it counts before the signature.
    const payload = BASE64URL.test(pair.ticket) ? decodeJson(pair.ticket) : undefined;
    if (!isObject(payload)) {
      const refused = fail(
        'format',
        'invalid_request',
        'The ticket is not base64url-encoded JSON.',
        'The ticket must be the JSON object encoded as base64url (A–Z, a–z, 0–9, "-" and "_").',
      );
      // Standard base64 is the usual slip: say so, to the integrator it names.
      const misencoded = explain ? decodeJson(pair.ticket, 'base64') : undefined;
      const named = isObject(misencoded) ? misencoded.integratorId : undefined;
      const integrator = typeof named === 'string' ? this.integrators.get(named) : undefined;
      if (!integrator) return refused;
      (refused.steps[0] as TicketStep).detail =
        'The ticket is standard base64 ("+", "/", "="): encode it as base64url, without padding, and sign that string.';
      return { ...refused, integrator };
    }
    pass('format', 'base64url JSON');
    const { integratorId } = payload;
    const integrator =
      typeof integratorId === 'string' ? this.integrators.get(integratorId) : undefined;
    if (!integrator) {
      if (typeof integratorId !== 'string') {
        return fail(
          'integrator',
          'invalid_request',
          'integratorId: the ticket names no integrator.',
        );
      }
      return fail('integrator', 'bad_signature', BAD_SIGNATURE, `No integrator "${integratorId}".`);
    }
    pass('integrator', `"${integrator.id}"`);
    const withIntegrator = (result: TicketInspection) => ({ ...result, integrator });

    const signature = this.checkSignature(integrator, pair, explain);
    if (!signature.ok)
      return withIntegrator(fail('signature', 'bad_signature', BAD_SIGNATURE, signature.detail));
    pass('signature', signature.detail);

    const parsed = embedTicketSchema.safeParse(payload);
    if (!parsed.success) {
      const details = parsed.error.issues.map((issue) => ({
        path: issue.path.join('.') || 'ticket',
        message: issue.message,
      }));
      const first = details[0] as { path: string; message: string };
      const summary = `${first.path}: ${first.message}`;
      steps.push({
        check: 'fields',
        ok: false,
        detail: details.map((d) => `${d.path}: ${d.message}`).join('; '),
      });
      return withIntegrator({
        refusal: new AppError(
          'invalid_request',
          `The ticket is incomplete or malformed: ${summary}`,
          {
            details,
          },
        ),
        steps,
      });
    }
    const ticket = parsed.data;
    pass('fields', `room "${ticket.roomId}", user "${ticket.userId}" as ${ticket.role}`);

    const now = this.clock.now();
    const issuedAt = Date.parse(ticket.issuedAt);
    const expiresAt = Date.parse(ticket.expiresAt);
    const timing = checkTimes(now, issuedAt, expiresAt);
    if (timing)
      return withIntegrator(
        fail('time', 'ticket_expired', timing.message, timing.detail(explain, now)),
      );
    pass('time', `valid for another ${Math.ceil((expiresAt - now) / 1000)} s`);

    if (!integrator.allowedOrigins.includes(ticket.origin)) {
      return withIntegrator(
        fail(
          'origin',
          'origin_not_allowed',
          'The ticket was issued for an origin this integrator does not allow.',
          originDetail(ticket.origin, integrator.allowedOrigins),
        ),
      );
    }
    pass('origin', `${ticket.origin} is allowed`);
    return { checked: { integrator, ticket, issuedAt, expiresAt }, steps, integrator };
  }

  private checkSignature(
    integrator: Integrator,
    { ticket, sig }: EmbedTicketPair,
    explain: boolean,
  ): { ok: boolean; detail: string } {
    if (!HEX_SHA256.test(sig)) {
      return { ok: false, detail: explain ? signatureFormatHint(sig) : BAD_SIGNATURE };
    }
    const presented = Buffer.from(sig, 'hex');
    // Every secret is compared, whichever matches, so the time taken tells nothing either.
    let matched = -1;
    integrator.secrets.forEach((secret, index) => {
      const same = timingSafeEqual(hmac(secret, ticket), presented);
      if (same && matched === -1) matched = index;
    });
    if (matched === 0) return { ok: true, detail: 'matches the current secret' };
    if (matched > 0) return { ok: true, detail: 'matches the older secret (still accepted)' };
    return {
      ok: false,
      detail: explain ? mismatchHint(integrator, ticket, presented) : BAD_SIGNATURE,
    };
  }
}

function nonceKey({ integrator, ticket }: CheckedTicket): string {
  return `embed-nonce:${integrator.id}:${ticket.nonce}`;
}

function replayed(): AppError {
  return new AppError('ticket_replayed', 'This ticket was used already; sign a new one.');
}

function hmac(secret: Buffer, text: string): Buffer {
  return createHmac('sha256', secret).update(text, 'utf8').digest();
}

function decodeJson(ticket: string, encoding: 'base64url' | 'base64' = 'base64url'): unknown {
  try {
    return JSON.parse(Buffer.from(ticket, encoding).toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTimes(
  now: number,
  issuedAt: number,
  expiresAt: number,
): { message: string; detail: (explain: boolean, now: number) => string } | undefined {
  const clocks = (_explain: boolean, at: number) =>
    ` Server time ${new Date(at).toISOString()}; issuedAt ${new Date(issuedAt).toISOString()}, expiresAt ${new Date(expiresAt).toISOString()}.`;
  if (issuedAt > now + EMBED_CLOCK_SKEW_MS) {
    return {
      message: 'The ticket was issued in the future: check the signing server’s clock.',
      detail: (explain, at) =>
        `issuedAt is ${Math.round((issuedAt - at) / 1000)} s ahead of the server (${EMBED_CLOCK_SKEW_MS / 1000} s allowed): the signing server's clock runs fast.` +
        clocks(explain, at),
    };
  }
  if (expiresAt <= issuedAt || expiresAt - issuedAt > EMBED_MAX_LIFETIME_MS) {
    return {
      message: `A ticket lives at most ${EMBED_MAX_LIFETIME_MS / 1000} s (expiresAt − issuedAt).`,
      detail: (explain, at) =>
        `expiresAt − issuedAt is ${Math.round((expiresAt - issuedAt) / 1000)} s; it must be more than 0 and at most ${EMBED_MAX_LIFETIME_MS / 1000} s.` +
        clocks(explain, at),
    };
  }
  if (now > expiresAt) {
    return {
      message: 'The ticket has expired; sign a new one.',
      detail: (explain, at) =>
        `The ticket expired ${Math.ceil((at - expiresAt) / 1000)} s ago: sign tickets just before use, or the signing server's clock runs slow.` +
        clocks(explain, at),
    };
  }
  return undefined;
}

function signatureFormatHint(sig: string): string {
  if (/^[0-9a-fA-F]*$/.test(sig)) {
    return `The signature has ${sig.length} hexadecimal characters; HMAC-SHA256 as hex has 64.`;
  }
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(sig)) {
    return 'The signature looks like base64: send the HMAC-SHA256 as hexadecimal (64 characters).';
  }
  return 'The signature must be the HMAC-SHA256 as hexadecimal: 64 characters 0–9 and a–f.';
}

/**
 * Why a well-formed signature did not match, by trying the usual mistakes with the
 * integrator's secrets. It answers only "this mistake or not", as a refusal already does.
 */
function mismatchHint(integrator: Integrator, ticket: string, presented: Buffer): string {
  const json = Buffer.from(ticket, 'base64url').toString('utf8');
  const base64 = Buffer.from(ticket, 'base64url').toString('base64');
  const matches = (text: string) =>
    integrator.secrets.some((secret) => timingSafeEqual(hmac(secret, text), presented));
  if (matches(json)) {
    return 'The signature covers the JSON; sign the base64url ticket string itself, exactly as sent.';
  }
  if (base64 !== ticket && matches(base64)) {
    return 'The signature covers standard base64 ("+", "/", "="); sign the base64url form that is sent.';
  }
  return `The signature does not match any of the ${integrator.secrets.length} secret(s) of "${integrator.id}": check the secret, and that the ticket was not re-encoded after signing.`;
}

function originDetail(origin: string, allowed: readonly string[]): string {
  const near = allowed.find((candidate) => sameHost(candidate, origin));
  const hint = near
    ? ` The closest allowed origin is ${near}: scheme, host and port must match exactly.`
    : '';
  return `${origin} is not in allowedOrigins (${allowed.join(', ')}).${hint}`;
}

function sameHost(a: string, b: string): boolean {
  const host = (origin: string) => new URL(origin).hostname.replace(/^www\./, '');
  return host(a) === host(b);
}
