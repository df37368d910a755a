/**
 * The Postgres and Redis the cluster benchmarks run on (127.0.0.1:5432 as `postgres`, trust auth,
 * and 127.0.0.1:6379, or BENCH_POSTGRES / BENCH_REDIS): fresh databases `roomkit_bench_<random>`
 * and a fresh REDIS_KEY_PREFIX per run, dropped and deleted by `close()`. Also reads what one
 * message costs them: Postgres's counters for a database and the CPU time of the backends
 * serving it, and the Socket.IO stream's entries in Redis.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';

const POSTGRES = process.env.BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379';
/** Shared by every instance of a run: a token made on one is checked on another. */
const SESSION_SECRET = 'roomkit-bench-session-secret-0123456789';
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s. */
const TICKS_PER_SECOND = 100;

export interface PostgresCounters {
  /** pg_stat_database for the database: committed transactions and rows written. */
  commits: number;
  inserted: number;
  updated: number;
  deleted: number;
}

export interface StreamSample {
  /** Entries ever added to the adapter's stream (XINFO STREAM `entries-added`). */
  added: number;
  /** Mean size of the newest entries' fields and values, in bytes. */
  entryBytes: number;
}

export interface Backing {
  /** Roomkit's settings for Postgres alone (no Redis), on a fresh database. */
  postgresEnv(): Promise<Record<string, string>>;
  /** Roomkit's settings for multi-instance mode: every instance given it is one deployment. */
  clusterEnv(): Promise<Record<string, string>>;
  /** Counters of a database made here; exact once the backends that did the work have exited. */
  postgresCounters(databaseUrl: string): Promise<PostgresCounters>;
  /**
   * CPU time, in microseconds, of each backend now connected to the database, by pid (the
   * checkpointer and WAL writer, shared by every database, are not counted).
   */
  backendCpu(databaseUrl: string): Promise<Map<number, number>>;
  stream(): Promise<StreamSample>;
  /**
   * The Redis commands this run's instances send while `during` runs, counted by name (MONITOR,
   * which slows Redis down: for counting, never while latency is measured).
   */
  commands(during: () => Promise<void>): Promise<Map<string, number>>;
  close(): Promise<void>;
}

const databaseName = (url: string) => new URL(url).pathname.slice(1);

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function processCpuMicros(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, so split after its ')').
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / TICKS_PER_SECOND) * 1_000_000;
  } catch {
    return undefined;
  }
}

export async function openBacking(): Promise<Backing> {
  const prefix = `roomkit-bench-${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const databases: string[] = [];
  const database = async () => {
    const name = `roomkit_bench_${randomBytes(6).toString('hex')}`;
    await admin((client) => client.query(`create database ${name}`));
    databases.push(name);
    return `${POSTGRES}/${name}`;
  };
  const streamKey = `${prefix}socket.io`;
  return {
    postgresEnv: async () => ({ DATABASE_URL: await database(), SESSION_SECRET }),
    clusterEnv: async () => ({
      DATABASE_URL: await database(),
      REDIS_URL: REDIS,
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRET,
    }),
    postgresCounters: (url) =>
      admin(async (client) => {
        const { rows } = await client.query<Record<string, string>>(
          'select xact_commit, tup_inserted, tup_updated, tup_deleted from pg_stat_database where datname = $1',
          [databaseName(url)],
        );
        const row = rows[0] ?? {};
        return {
          commits: Number(row.xact_commit ?? 0),
          inserted: Number(row.tup_inserted ?? 0),
          updated: Number(row.tup_updated ?? 0),
          deleted: Number(row.tup_deleted ?? 0),
        };
      }),
    backendCpu: (url) =>
      admin(async (client) => {
        const { rows } = await client.query<{ pid: number }>(
          'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [databaseName(url)],
        );
        const cpu = new Map<number, number>();
        for (const { pid } of rows) {
          const micros = processCpuMicros(pid);
          if (micros !== undefined) cpu.set(pid, micros);
        }
        return cpu;
      }),
    stream: async () => {
      const info = (await redis.call('XINFO', 'STREAM', streamKey)) as unknown[];
      const added = Number(info[info.indexOf('entries-added') + 1] ?? 0);
      const newest = (await redis.xrevrange(streamKey, '+', '-', 'COUNT', 50)) as [
        string,
        string[],
      ][];
      let bytes = 0;
      for (const [, fields] of newest) {
        for (const field of fields) bytes += Buffer.byteLength(field);
      }
      return { added, entryBytes: newest.length > 0 ? bytes / newest.length : Number.NaN };
    },
    commands: async (during) => {
      const monitor = await redis.monitor();
      const counts = new Map<string, number>();
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (!args.some((arg) => arg.includes(prefix))) return;
        const name = (args[0] ?? '').toUpperCase();
        counts.set(name, (counts.get(name) ?? 0) + 1);
      });
      try {
        await during();
        // MONITOR's feed lags the commands a little.
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        monitor.disconnect();
      }
      return counts;
    },
    close: async () => {
      // What the run left in Redis (the stream, sessions, presence, rate limits) goes with it.
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await admin(async (client) => {
        for (const name of databases)
          await client.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

/** CPU spent between two `backendCpu` readings; a backend first seen in `after` counts from 0. */
export function backendCpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let spent = 0;
  for (const [pid, micros] of after) spent += micros - (before.get(pid) ?? 0);
  return spent;
}
