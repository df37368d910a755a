/** The password hasher on its own: what its callers cannot see through HTTP alone. */
import { describe, expect, it } from 'vitest';
import type { AppError } from '../core/AppError.js';
import { checkNewPassword, OWASP_MINIMUM, PasswordHasher } from './passwords.js';

describe('PasswordHasher', () => {
  it('makes argon2id hashes at OWASP minimum that verify only their password', async () => {
    const hasher = new PasswordHasher();
    const encoded = await hasher.hash('correct horse battery');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(encoded, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(encoded, 'correct horse batterY')).toBe(false);
    expect(await hasher.verify('not a hash', 'anything')).toBe(false);
    expect(await hasher.verifyNothing('anything')).toBe(false);
  });

  it('asks for a rehash when the parameters or the algorithm differ', async () => {
    const cheaper = new PasswordHasher({ ...OWASP_MINIMUM, timeCost: 1 });
    const today = new PasswordHasher();
    const old = await cheaper.hash('correct horse battery');
    expect(today.needsRehash(old)).toBe(true);
    expect(cheaper.needsRehash(old)).toBe(false);
    expect(today.needsRehash(await today.hash('x'))).toBe(false);
    const argon2i =
      '$argon2i$v=19$m=19456,t=2,p=1$lRs56ghApAUG+H4yRiwXeQ$iy3MLG8SlKp2G480iMZ6sIIpGGtslTdHt/dSLcHQzoU';
    expect(today.needsRehash(argon2i)).toBe(true);
    expect(today.needsRehash('garbage')).toBe(true);
  });

  it('refuses work beyond its capacity with 503 overloaded, even within one tick', async () => {
    const hasher = new PasswordHasher(OWASP_MINIMUM, { concurrent: 1, queued: 1 });
    const results = await Promise.allSettled([
      hasher.hash('one'),
      hasher.hash('two'),
      hasher.hash('three'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refusal = (results[2] as PromiseRejectedResult).reason as AppError;
    expect(refusal.code).toBe('overloaded');
    expect(refusal.status).toBe(503);
    // Once the queue drains, work is taken again.
    expect(await hasher.hash('four')).toMatch(/^\$argon2id\$/);
  });
});

describe('checkNewPassword', () => {
  it('refuses common passwords in any case and the username, and lets others through', () => {
    const code = (password: string, username = 'Ada') => {
      try {
        checkNewPassword(password, username, 'password');
        return 'ok';
      } catch (error) {
        return (error as AppError).code;
      }
    };
    expect(code('password')).toBe('invalid_request');
    expect(code('QWERTYUIOP')).toBe('invalid_request');
    expect(code('ada lovelace', 'Ada  Lovelace')).toBe('invalid_request');
    expect(code('a sentence nobody uses')).toBe('ok');
  });
});
