/**
 * The command line of one sandboxed run: bubblewrap's namespaces and mounts, then a short
 * launcher script that applies the rlimits (util-linux `prlimit`) to the compiler and the program.
 * Everything here is built from the driver's own constants; no user text ever reaches a shell.
 */
import { lstatSync, readlinkSync } from 'node:fs';

/** The run's directory and HOME: a fresh tmpfs per run, the only writable place. */
export const SANDBOX_HOME = '/tmp';
/** Inside the sandbox: `nobody`, never root (and the host side is unprivileged too). */
export const SANDBOX_UID = 65534;
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Descriptors the driver hands to bwrap beside stdin, stdout and stderr. */
export const FD = {
  /** The launcher writes one byte here when the program starts (after compiling). */
  started: 3,
  /** The program's source, copied by bwrap into the run's directory. */
  source: 4,
  /** Synthetic /etc/passwd and /etc/group, so tools that look up their user find one. */
  passwd: 5,
  group: 6,
  /** bwrap reports here, in JSON, the host pid of the sandbox's init (`child-pid`). */
  info: 7,
} as const;

export const syntheticPasswd = `nobody:x:${SANDBOX_UID}:${SANDBOX_UID}:Sandbox:${SANDBOX_HOME}:/bin/sh\n`;
export const syntheticGroup = `nogroup:x:${SANDBOX_UID}:\n`;

/** The limits one process tree gets through setrlimit. */
export interface Rlimits {
  cpuSeconds: number;
  memoryBytes: number;
  memoryLimit: 'as' | 'data';
  processes: number;
  fileBytes: number;
  openFiles: number;
}

export interface SandboxCommand {
  /** Name of the source file in the run's directory. */
  source: string;
  /** Size cap of the run's tmpfs (its files live in RAM). */
  tmpfsBytes: number;
  compile?: { argv: readonly string[]; limits: Rlimits };
  run: { argv: readonly string[]; limits: Rlimits };
}

/**
 * System directories, bound read-only. /usr holds the toolchains; /bin, /lib… are bound or, on
 * merged-/usr hosts, recreated as the same symlinks. Of /etc only what loaders and toolchains
 * read: the library cache and the alternatives symlinks (never passwd, shadow, hosts or keys).
 */
function systemMounts(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const path of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
      else if (stat.isDirectory()) args.push('--ro-bind', path, path);
    } catch {
      // absent on this host
    }
  }
  args.push('--dir', '/etc');
  args.push('--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache');
  args.push('--ro-bind-try', '/etc/alternatives', '/etc/alternatives');
  return args;
}

let mounts: string[] | undefined;

/**
 * bwrap's arguments up to (not including) the command: every namespace unshared (so no network
 * but a loopback that is down, and its own pid space whose end kills every process in it), a new
 * session, an empty environment, uid/gid 65534 with no way to make further user namespaces, a
 * fresh /proc, a minimal read-only /dev, and only the run's tmpfs writable.
 */
export function bwrapBase(tmpfsBytes: number): string[] {
  mounts ??= systemMounts();
  return [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--hostname',
    'sandbox',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv',
    'PATH',
    SANDBOX_PATH,
    '--setenv',
    'HOME',
    SANDBOX_HOME,
    '--setenv',
    'LANG',
    'C.UTF-8',
    ...mounts,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // bwrap's /dev is a tmpfs the sandbox's uid owns, with no size cap: never a place to write.
    '--remount-ro',
    '/dev',
    '--size',
    String(tmpfsBytes),
    '--tmpfs',
    SANDBOX_HOME,
    '--chdir',
    SANDBOX_HOME,
  ];
}

/** The whole bwrap command line of a run (see `FD` for the descriptors it expects). */
export function bwrapArgs(command: SandboxCommand): string[] {
  return [
    ...bwrapBase(command.tmpfsBytes),
    '--info-fd',
    String(FD.info),
    '--perms',
    '0644',
    '--file',
    String(FD.source),
    `${SANDBOX_HOME}/${command.source}`,
    '--perms',
    '0644',
    '--ro-bind-data',
    String(FD.passwd),
    '/etc/passwd',
    '--perms',
    '0644',
    '--ro-bind-data',
    String(FD.group),
    '/etc/group',
    // The root is a tmpfs bwrap made; read-only, so the run's tmpfs is its only (capped) storage.
    '--remount-ro',
    '/',
    '--',
    'sh',
    '-c',
    launcher(command),
  ];
}

/**
 * The script bwrap starts: compile (without stdin), tell the driver the program starts (the wall
 * clock of the run begins there), close that descriptor, then become the program.
 */
function launcher(command: SandboxCommand): string {
  const lines: string[] = [];
  if (command.compile) {
    const { argv, limits } = command.compile;
    lines.push(`${limited(argv, limits)} </dev/null ${FD.started}>&- || exit $?`);
  }
  lines.push(`printf x >&${FD.started}`, `exec ${FD.started}>&-`);
  lines.push(`exec ${limited(command.run.argv, command.run.limits)}`);
  return lines.join('\n');
}

function limited(argv: readonly string[], limits: Rlimits): string {
  const memory = limits.memoryLimit === 'as' ? '--as' : '--data';
  return [
    'prlimit',
    `--cpu=${limits.cpuSeconds}`,
    `${memory}=${limits.memoryBytes}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileBytes}`,
    `--nofile=${limits.openFiles}`,
    '--core=0',
    '--',
    ...argv,
  ]
    .map(quote)
    .join(' ');
}

function quote(word: string): string {
  return /^[\w./=:+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
