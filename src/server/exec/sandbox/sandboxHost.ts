/**
 * What the sandbox needs from the host: the `bwrap` binary, user namespaces, and an unprivileged
 * uid to start it under. Checked once, synchronously, when the exec feature starts.
 */
import { spawnSync, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { bwrapBase, SANDBOX_UID } from './bwrapArgs.js';

/** bwrap's own environment: the server's never reaches it (/proc/1/environ would show it). */
export const BWRAP_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

/**
 * How bwrap itself is started. A server running as root starts it as uid 65534: the kernel
 * never applies RLIMIT_NPROC to a process whose real uid is root on the host, even inside a
 * user namespace, so a fork bomb would otherwise go unchecked. The working directory is `/`, so
 * nothing of the server's directory is even open.
 */
export function bwrapSpawnOptions(): Pick<SpawnOptions, 'uid' | 'gid' | 'cwd' | 'env'> {
  const root = process.getuid?.() === 0;
  return {
    cwd: '/',
    env: BWRAP_ENV,
    ...(root ? { uid: SANDBOX_UID, gid: SANDBOX_UID } : {}),
  };
}

/** The absolute path of `bwrap` on the server's PATH, or undefined. */
export function findBwrap(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'bwrap');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type SandboxProbe = { ok: true; bwrap: string } | { ok: false; reason: string };

/**
 * Whether sandboxed runs work here: bwrap is installed and a trial sandbox (every namespace, as
 * an unprivileged uid) starts and runs `true` under util-linux `prlimit`. Blocks for the trial
 * (tens of milliseconds).
 */
export function probeSandbox(): SandboxProbe {
  if (process.platform !== 'linux') return { ok: false, reason: 'bubblewrap needs Linux' };
  const bwrap = findBwrap();
  if (!bwrap) return { ok: false, reason: 'bwrap (bubblewrap) is not installed' };
  const trial = spawnSync(bwrap, [...bwrapBase(1024 * 1024), '--', 'prlimit', '--core=0', 'true'], {
    ...bwrapSpawnOptions(),
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10_000,
    encoding: 'utf8',
  });
  if (trial.error) return { ok: false, reason: `bwrap could not start: ${trial.error.message}` };
  if (trial.status !== 0) {
    const said = trial.stderr.trim().split('\n')[0] || `exit ${trial.status ?? trial.signal}`;
    return { ok: false, reason: `a trial sandbox failed (${said}); user namespaces may be off` };
  }
  return { ok: true, bwrap };
}
