/**
 * Configuration: environment variables, overridden by command-line flags, parsed into one
 * validated object (API.md, "Running"). A bad value stops the server with one line naming it.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { execSettings } from './exec/settings.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  const message = `must be a whole number ${range}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
};

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.join(' or ')})`,
  );

const jsonList = z.string().transform((value, ctx) => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed as unknown[];
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'must be a JSON list' });
  return z.NEVER;
});

/**
 * The settings features declare in their own `settings.ts`, by the feature's name: each becomes
 * `config.<name>`. A feature with settings adds its line here.
 */
const featureSettings = {
  exec: execSettings,
};

type FeatureSettingsOf = (typeof featureSettings)[keyof typeof featureSettings];
/** Every feature's variables in one shape (the intersection of each feature's). */
type FeatureVariables = (
  FeatureSettingsOf extends infer S
    ? S extends FeatureSettingsOf
      ? (variables: S['variables']) => void
      : never
    : never
) extends (variables: infer V) => void
  ? V
  : never;
const featureVariables = Object.assign(
  {},
  ...Object.values(featureSettings).map((settings) => settings.variables),
) as FeatureVariables;

type FeatureConfig = {
  [K in keyof typeof featureSettings]: ReturnType<(typeof featureSettings)[K]['read']>;
};

/**
 * Each variable of API.md, by its environment name: the core's, then the features'. The last
 * group belongs to features not built yet; each moves to its feature's settings.ts with it, and
 * is validated here meanwhile so a deployment's configuration is checked before it lands.
 */
const envSchema = z
  .object({
    ...featureVariables,
    PORT: int(0, 65_535).default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: url(['http:', 'https:']).optional(),
    TRUST_PROXY: z
      .string()
      .regex(
        /^(\d{1,2}|[0-9A-Fa-f.:/,\s]+|loopback|linklocal|uniquelocal)$/,
        'must be a number of proxy hops, or addresses/CIDRs (comma-separated), or loopback',
      )
      .optional(),
    DATABASE_URL: z
      .string()
      .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<path> or postgres://…')
      .optional(),
    BLOB_STORE: z
      .string()
      .regex(/^(memory|s3|fs:.+)$/, 'must be memory, fs:<dir> or s3')
      .optional(),
    S3_ENDPOINT: url(['http:', 'https:']).optional(),
    S3_BUCKET: z.string().min(1).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: bool.default(false),
    REDIS_URL: url(['redis:', 'rediss:']).optional(),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1–64 letters, digits or : _ . -')
      .default('roomkit:'),
    MEMORY_BUDGET_BYTES: int(1_048_576).default(536_870_912),
    MAX_UPLOAD_BYTES: int(1).default(20_971_520),
    ROOM_TTL_SECONDS: int(0).default(3600),
    ROOM_MAX_TTL_SECONDS: int(60).default(86_400),
    EMPTY_ROOM_GRACE_SECONDS: int(0).default(210),
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    // Features not built yet: admin, embedding, link previews, calls.
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    INTEGRATORS_FILE: z.string().min(1).optional(),
    FETCH_ALLOW_HOSTS: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
      )
      .default([]),
    ICE_SERVERS: jsonList.optional(),
    TURN_SECRET: z.string().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL && !env.SESSION_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'is required when DATABASE_URL is set (sessions must survive a restart)',
      });
    }
    // Every instance must see every room: rooms live in the shared database.
    if (env.REDIS_URL && !env.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'is required when REDIS_URL is set (every instance must see every room)',
      });
    }
    if (env.BLOB_STORE === 's3' && !env.S3_BUCKET) {
      ctx.addIssue({
        code: 'custom',
        path: ['S3_BUCKET'],
        message: 'is required when BLOB_STORE=s3',
      });
    }
    // Keys come as a pair; with neither, the SDK's own chain (AWS_* variables, an instance role).
    if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'],
        message: env.S3_ACCESS_KEY_ID
          ? 'is required with S3_ACCESS_KEY_ID'
          : 'is required with S3_SECRET_ACCESS_KEY',
      });
    }
  });

export type Env = z.input<typeof envSchema>;

export interface Config extends FeatureConfig {
  port: number;
  host: string;
  publicUrl: string | undefined;
  /**
   * Which proxies' X-Forwarded-For/-Proto/-Host are believed (Fastify's trustProxy): a hop count
   * or addresses; undefined believes none, so a client cannot make up its own address.
   */
  trustProxy: number | string[] | undefined;
  databaseUrl: string | undefined;
  blobStore: string;
  s3: {
    endpoint: string | undefined;
    bucket: string | undefined;
    region: string;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    forcePathStyle: boolean;
  };
  redisUrl: string | undefined;
  /** Prepended to every Redis key and channel, so deployments (and test runs) can share a Redis. */
  redisKeyPrefix: string;
  memoryBudgetBytes: number;
  maxUploadBytes: number;
  roomTtlSeconds: number;
  /** The furthest from now an owner may move a room's end (`POST …/extend`). */
  roomMaxTtlSeconds: number;
  emptyRoomGraceSeconds: number;
  adminToken: string | undefined;
  sessionSecret: string;
  integratorsFile: string | undefined;
  fetchAllowHosts: string[];
  iceServers: unknown[] | undefined;
  turnSecret: string | undefined;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Maps `--some-flag value` / `--some-flag=value` to the variable SOME_FLAG. */
export function parseFlags(argv: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument: ${arg}`);
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const name = flag.replace(/-/g, '_').toUpperCase();
    if (!(name in envSchema.shape)) throw new ConfigError(`unknown flag: --${flag}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`--${flag} needs a value`);
    vars[name] = value;
  }
  return vars;
}

/**
 * Builds the Config from variables (usually `process.env` merged with flags). Unknown variables
 * are ignored; empty strings count as unset, as shells and compose files often pass them.
 */
export function loadConfig(vars: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(envSchema.shape);
  const input = Object.fromEntries(
    known
      .filter((name) => vars[name] !== undefined && vars[name] !== '')
      .map((name) => [name, vars[name]]),
  );
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'configuration');
    throw new ConfigError(`${name}: ${issue?.message ?? 'invalid'}`);
  }
  const env = parsed.data;
  // With a SQLite file, blobs go beside it: one directory holds everything the server keeps.
  const sqlitePath = env.DATABASE_URL?.startsWith('sqlite:')
    ? env.DATABASE_URL.slice(7)
    : undefined;
  const defaultBlobStore =
    sqlitePath !== undefined && sqlitePath !== ':memory:'
      ? `fs:${join(dirname(sqlitePath), 'blobs')}`
      : 'memory';
  return {
    port: env.PORT,
    host: env.HOST,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    databaseUrl: env.DATABASE_URL,
    blobStore: env.BLOB_STORE ?? defaultBlobStore,
    s3: {
      endpoint: env.S3_ENDPOINT,
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
    },
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    memoryBudgetBytes: env.MEMORY_BUDGET_BYTES,
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    roomTtlSeconds: env.ROOM_TTL_SECONDS,
    roomMaxTtlSeconds: env.ROOM_MAX_TTL_SECONDS,
    emptyRoomGraceSeconds: env.EMPTY_ROOM_GRACE_SECONDS,
    adminToken: env.ADMIN_TOKEN,
    // In memory mode nothing outlives the process, so neither need the tokens.
    sessionSecret: env.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    integratorsFile: env.INTEGRATORS_FILE,
    fetchAllowHosts: env.FETCH_ALLOW_HOSTS,
    iceServers: env.ICE_SERVERS,
    turnSecret: env.TURN_SECRET,
    logLevel: env.LOG_LEVEL,
    ...(Object.fromEntries(
      Object.entries(featureSettings).map(([name, settings]) => [name, settings.read(env)]),
    ) as FeatureConfig),
  };
}

function parseTrustProxy(value: string | undefined): number | string[] | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}
