import type { Feature } from '../kernel/Feature.js';
import { accountsRoutes } from './accounts.routes.js';
import { AccountService, SESSION_IDLE_MS } from './AccountService.js';
import {
  defaultHasherCapacity,
  OWASP_MINIMUM,
  PasswordHasher,
  type HasherCapacity,
  type HashParameters,
} from './passwords.js';
import { SessionCookies } from './SessionCookies.js';
import { SessionRevocations } from './SessionRevocations.js';

declare module '../kernel/services.js' {
  interface Services {
    accounts: AccountService;
  }
}

/**
 * What tests change: cheaper hashes, a smaller hashing capacity. (Sign-in and registration
 * limits are the core's `loginPerAddress`, `loginPerUsername`, `registerPerAddress`.)
 */
export interface AccountsOptions {
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
    needs: ['chat'],
    async install({ core, cluster, live, http, use, provide, onShutdown }) {
      const revocations = new SessionRevocations(
        core.stores.accounts,
        core.clock,
        SESSION_IDLE_MS,
        live,
        cluster?.channel,
      );
      core.rooms.guardTokens(revocations.check);
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
          loginPerAddress: core.limiters.open('loginPerAddress'),
          loginPerUsername: core.limiters.open('loginPerUsername'),
          registerPerAddress: core.limiters.open('registerPerAddress'),
        },
        (sessionIds) => revocations.revoked(sessionIds),
      );
      const chat = use('chat');
      await http(
        accountsRoutes(core, service, async (member) =>
          chat.unread(member, (await core.presence.online(member.roomId)).has(member.id)),
        ),
      );
      provide('accounts', service);
      onShutdown('services', () => revocations.close());
    },
  };
}
