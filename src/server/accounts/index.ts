import { RateLimiter, type RateLimit } from '../core/RateLimiter.js';
import type { Feature } from '../kernel/Feature.js';
import { accountsRoutes } from './accounts.routes.js';
import { AccountService } from './AccountService.js';
import {
  defaultHasherCapacity,
  OWASP_MINIMUM,
  PasswordHasher,
  type HasherCapacity,
  type HashParameters,
} from './passwords.js';
import { SessionCookies } from './SessionCookies.js';

declare module '../kernel/services.js' {
  interface Services {
    accounts: AccountService;
  }
}

/** Limits on guessing passwords and on making accounts. */
export interface AccountLimits {
  /** Sign-in attempts per client address. */
  loginPerAddress: RateLimit;
  /** Sign-in attempts (and password changes) per username, whether or not it exists. */
  loginPerUsername: RateLimit;
  /** Registrations per client address. */
  registerPerAddress: RateLimit;
}

export const defaultAccountLimits: AccountLimits = {
  // Generous enough for many people behind one NAT; a guesser gets few tries per account.
  loginPerAddress: { points: 100, seconds: 900 },
  loginPerUsername: { points: 10, seconds: 900 },
  registerPerAddress: { points: 10, seconds: 3600 },
};

/** What tests change: tighter limits, cheaper hashes, a smaller hashing capacity. */
export interface AccountsOptions {
  limits?: Partial<AccountLimits>;
  hashing?: Partial<HashParameters>;
  hashCapacity?: Partial<HasherCapacity>;
}

/**
 * Accounts (API.md, "Accounts"): registration, sign-in with server-side sessions behind the
 * `rk_auth` cookie, the session list and revocation, password changes. Plugs its authenticator
 * into `requireAccount`, so any feature's routes can ask for an account.
 */
export function accounts(options: AccountsOptions = {}): Feature {
  return {
    name: 'accounts',
    async install({ core, http, provide }) {
      const limits = { ...defaultAccountLimits, ...options.limits };
      const limiter = (name: string, limit: RateLimit) =>
        new RateLimiter(name, limit, core.sharedLimits);
      const service = new AccountService(
        core.stores.accounts,
        core.stores.rooms,
        core.clock,
        new PasswordHasher(
          { ...OWASP_MINIMUM, ...options.hashing },
          { ...defaultHasherCapacity, ...options.hashCapacity },
        ),
        new SessionCookies(core.config.sessionSecret),
        {
          loginPerAddress: limiter('login-address', limits.loginPerAddress),
          loginPerUsername: limiter('login-username', limits.loginPerUsername),
          registerPerAddress: limiter('register-address', limits.registerPerAddress),
        },
      );
      await http(accountsRoutes(core, service));
      provide('accounts', service);
    },
  };
}
