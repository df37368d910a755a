/**
 * What the sign-in benchmarks share: Roomkit in memory mode with the benchmarks' account, and
 * the bare argon2 route with Roomkit's hash parameters and cap, started on first use (a start
 * is seconds on a busy machine) and stopped once the suite has run.
 */
import { defaultHasherCapacity, OWASP_MINIMUM } from '../../src/server/accounts/passwords.js';
import type { BenchContext } from '../lib/bench.js';
import { startServers, type ServerHandle, type ServerSpec } from '../lib/servers.js';
import { PASSWORD, register, RELAXED_ACCOUNT_LIMITS, USERNAME } from './accountClient.js';

export interface SignInServers {
  /** Roomkit in memory mode, its account limits relaxed, the benchmarks' account registered. */
  roomkit: ServerHandle;
  /** The bare route under Roomkit's cap and queue. */
  bare: ServerHandle;
}

export interface AccountsContext extends BenchContext {
  /** The shared servers, started by the first call. */
  signInServers(): Promise<SignInServers>;
  /** Stops them, if they were started. */
  stopServers(): Promise<void>;
}

/** The bare route (bench/baselines/argon2Login.ts) for the benchmarks' account. */
export function bareLoginSpec(concurrent: number, queued: number): ServerSpec {
  return {
    kind: 'bare-login',
    username: USERNAME,
    password: PASSWORD,
    ...OWASP_MINIMUM,
    concurrent,
    queued,
  };
}

async function startSignInServers(): Promise<SignInServers> {
  const [roomkit, bare] = (await startServers([
    { kind: 'roomkit', env: RELAXED_ACCOUNT_LIMITS },
    bareLoginSpec(defaultHasherCapacity.concurrent, defaultHasherCapacity.queued),
  ])) as [ServerHandle, ServerHandle];
  try {
    await register(roomkit.url);
  } catch (error) {
    await Promise.all([roomkit.stop(), bare.stop()]);
    throw error;
  }
  return { roomkit, bare };
}

export function accountsContext(ctx: BenchContext): AccountsContext {
  let started: Promise<SignInServers> | undefined = undefined;
  return {
    ...ctx,
    signInServers: () => (started ??= startSignInServers()),
    stopServers: async () => {
      const servers = await started?.catch(() => undefined);
      started = undefined;
      if (servers) await Promise.all([servers.roomkit.stop(), servers.bare.stop()]);
    },
  };
}
