import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';
import pLimit, { type LimitFunction } from 'p-limit';
import { AppError } from '../core/AppError.js';
import { nameKey } from '../core/nameKey.js';
import { commonPasswords } from './commonPasswords.js';

/** `Algorithm.Argon2id`: the binding's enum is a `const enum`, which isolated modules cannot read. */
const ARGON2ID = 2 as Algorithm;

/** The cost of one argon2id hash. */
export interface HashParameters {
  /** KiB of memory per hash. */
  memoryCost: number;
  /** Passes over that memory. */
  timeCost: number;
  parallelism: number;
}

/** OWASP's minimum for argon2id (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. */
export const OWASP_MINIMUM: HashParameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * A hash at OWASP_MINIMUM of a random password nobody knows, so that the first sign-in with an
 * unknown username does not take a hash longer than the others (which would tell it apart).
 */
const OWASP_DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$lRs56ghApAUG+H4yRiwXeQ$iy3MLG8SlKp2G480iMZ6sIIpGGtslTdHt/dSLcHQzoU';

export interface HasherCapacity {
  /** Hashes computed at once: each takes `memoryCost` KiB and a thread of libuv's pool. */
  concurrent: number;
  /** Hashes waiting beyond those; one more is refused with 503 `overloaded`. */
  queued: number;
}

export const defaultHasherCapacity: HasherCapacity = { concurrent: 4, queued: 64 };

/**
 * Hashes and verifies passwords with argon2id. Each hash costs ~19 MiB and tens of
 * milliseconds of a CPU by design, so a burst of sign-ins could otherwise take the server's
 * memory and its libuv threads (which file reads share): at most `concurrent` run at once, a
 * bounded queue waits, and beyond it a request is refused with 503 rather than waiting forever.
 */
export class PasswordHasher {
  private readonly limit: LimitFunction;
  private dummy: Promise<string> | undefined;

  constructor(
    private readonly parameters: HashParameters = OWASP_MINIMUM,
    private readonly capacity: HasherCapacity = defaultHasherCapacity,
  ) {
    this.limit = pLimit(capacity.concurrent);
  }

  hash(password: string): Promise<string> {
    return this.run(() => hash(password, { algorithm: ARGON2ID, ...this.parameters }));
  }

  /** Whether `password` matches `encoded`; false for a hash this binding cannot read. */
  verify(encoded: string, password: string): Promise<boolean> {
    return this.run(() => verify(encoded, password).catch(() => false));
  }

  /**
   * The work of a `verify` that fails, for a username with no account: the answer and its time
   * must not tell an attacker which usernames exist.
   */
  async verifyNothing(password: string): Promise<false> {
    this.dummy ??= this.needsRehash(OWASP_DUMMY_HASH)
      ? this.hash(randomBytes(16).toString('base64url'))
      : Promise.resolve(OWASP_DUMMY_HASH);
    const dummy = await this.dummy.catch((error: unknown) => {
      this.dummy = undefined; // refused while overloaded: computed again next time
      throw error;
    });
    await this.verify(dummy, password);
    return false;
  }

  /** Whether `encoded` was made with other parameters (or algorithm) than today's. */
  needsRehash(encoded: string): boolean {
    try {
      const used = parseOptions(encoded);
      return (
        used.algorithm !== ARGON2ID ||
        used.memoryCost !== this.parameters.memoryCost ||
        used.timeCost !== this.parameters.timeCost ||
        used.parallelism !== this.parameters.parallelism
      );
    } catch {
      return true;
    }
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    // Counted together: p-limit moves a call from pending to active a microtask later.
    const taken = this.limit.activeCount + this.limit.pendingCount;
    if (taken >= this.capacity.concurrent + this.capacity.queued) {
      return Promise.reject(
        new AppError('overloaded', 'Too many sign-ins at once; try again shortly.', {
          headers: { 'Retry-After': '1' },
        }),
      );
    }
    return this.limit(work);
  }
}

/**
 * Refuses a new password the length rules (protocol/accounts.ts) let through but an attacker
 * would try first: one of the most common, or the username itself. 400 `invalid_request`
 * naming `field`.
 */
export function checkNewPassword(password: string, username: string, field: string): void {
  const lower = password.toLowerCase();
  const refuse = (message: string) =>
    new AppError('invalid_request', `${field}: ${message}`, {
      details: [{ path: field, message }],
    });
  if (commonPasswords.has(lower)) throw refuse('is one of the most common passwords');
  if (nameKey(password) === nameKey(username)) throw refuse('is the username');
}
