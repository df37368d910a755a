/**
 * Configuration: environment variables, overridden by command-line flags, parsed into one
 * validated object (API.md, "Running"). A bad value stops the server with one line naming it.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  defaultLimits,
  limitCounts,
  limitNames,
  limitVariable,
  type LimitName,
  type Limits,
} from './core/limits.js';
import type { RateLimit } from './core/RateLimiter.js';
import { callsSettings } from './calls/settings.js';
import { execSettings } from './exec/settings.js';
import { parseAllowedHost } from './outbound/checkUrl.js';

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

/** The most points and the longest window a limit may have: beyond them it is a typo. */
const LIMIT_MAX_POINTS = 1_000_000;
const LIMIT_MAX_SECONDS = 86_400;

/** `points/seconds`, e.g. `30/60`: whole numbers, each at least 1 and at most the bounds above. */
const rateLimit = z.string().transform((value, ctx): RateLimit => {
  const [points, seconds] = (/^(\d{1,7})\/(\d{1,5})$/.exec(value.trim()) ?? [])
    .slice(1)
    .map(Number);
  if (
    points === undefined ||
    seconds === undefined ||
    points < 1 ||
    points > LIMIT_MAX_POINTS ||
    seconds < 1 ||
    seconds > LIMIT_MAX_SECONDS
  ) {
    ctx.addIssue({
      code: 'custom',
      message: `must be points/seconds (e.g. 30/60): points from 1 to ${LIMIT_MAX_POINTS}, seconds from 1 to ${LIMIT_MAX_SECONDS}`,
    });
    return z.NEVER;
  }
  return { points, seconds };
});

/** `RATE_LIMIT_<NAME>` for every limit, each optional: unset keeps the default of core/limits.ts. */
const limitVariables = Object.fromEntries(
  limitNames.map((name) => {
    const { points, seconds } = defaultLimits[name];
    return [
      limitVariable(name),
      rateLimit.optional().meta({
        description: `${limitCounts[name]}, as points/seconds`,
        unset: `${points}/${seconds}`,
      }),
    ];
  }),
) as Record<`RATE_LIMIT_${string}`, z.ZodOptional<typeof rateLimit>>;

/**
 * The settings features declare in their own `settings.ts`, by the feature's name: each becomes
 * `config.<name>`. A feature with settings adds its line here.
 */
const featureSettings = {
  exec: execSettings,
  calls: callsSettings,
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
    PORT: int(0, 65_535).default(8080).describe('port to listen on'),
    HOST: z.string().min(1).default('0.0.0.0').describe('address to listen on'),
    PUBLIC_URL: url(['http:', 'https:']).optional().meta({
      description: 'external base URL (links, cookies, CORS)',
      unset: 'from each request',
    }),
    TRUST_PROXY: z
      .string()
      .regex(
        /^(\d{1,2}|[0-9A-Fa-f.:/,\s]+|loopback|linklocal|uniquelocal)$/,
        'must be a number of proxy hops, or addresses/CIDRs (comma-separated), or loopback',
      )
      .optional()
      .meta({
        description: 'proxies whose X-Forwarded-* count: a hop count, addresses/CIDRs, loopback',
        unset: 'none',
      }),
    DATABASE_URL: z
      .string()
      .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<path> or postgres://…')
      .optional()
      .meta({ description: 'sqlite:<path> or postgres://…', unset: 'none, all in memory' }),
    BLOB_STORE: z
      .string()
      .regex(/^(memory|s3|fs:.+)$/, 'must be memory, fs:<dir> or s3')
      .optional()
      .meta({ description: 'memory, fs:<dir> or s3', unset: 'memory; fs beside a SQLite file' }),
    S3_ENDPOINT: url(['http:', 'https:'])
      .optional()
      .meta({ description: 'an S3-compatible endpoint', unset: 'AWS' }),
    S3_BUCKET: z.string().min(1).optional().describe('the bucket (needed with BLOB_STORE=s3)'),
    S3_REGION: z.string().min(1).default('us-east-1').describe("the bucket's region"),
    S3_ACCESS_KEY_ID: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'access key', unset: "the SDK's own chain (AWS_*, an instance role)" }),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional().describe('secret key'),
    S3_FORCE_PATH_STYLE: bool
      .default(false)
      .describe('path-style bucket URLs: true for MinIO and most self-hosted stores'),
    REDIS_URL: url(['redis:', 'rediss:']).optional().meta({
      description: 'redis://…: multi-instance mode (needs DATABASE_URL)',
      unset: 'none, one instance',
    }),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1–64 letters, digits or : _ . -')
      .default('roomkit:')
      .describe('prefix of every Redis key and channel'),
    MEMORY_BUDGET_BYTES: int(1_048_576)
      .default(536_870_912)
      .describe('bytes of room files and image cache held in RAM'),
    MAX_UPLOAD_BYTES: int(1).default(20_971_520).describe('largest file, in bytes'),
    ROOM_TTL_SECONDS: int(0)
      .default(3600)
      .describe('default life of a room; 0 keeps it until deleted'),
    ROOM_MAX_TTL_SECONDS: int(60)
      .default(86_400)
      .describe('the longest an owner may extend a room to, from now'),
    EMPTY_ROOM_GRACE_SECONDS: int(0)
      .default(210)
      .describe('an ephemeral room nobody is in is removed after this'),
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional().meta({
      description: 'signs session tokens, 32+ characters (needed with DATABASE_URL)',
      unset: 'random per start',
    }),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('fatal, error, warn, info, debug (adds one line per request), trace or silent'),
    ADMIN_TOKEN: z
      .string()
      .min(16, 'must be at least 16 characters')
      .optional()
      .describe('bearer token for /api/admin/* (16+ characters); admin accounts work without it'),
    // Embedding (embed/ reads and checks the file at start).
    INTEGRATORS_FILE: z
      .string()
      .min(1)
      .optional()
      .describe('JSON file of the sites that embed rooms with signed tickets (docs/embedding.md)'),
    FETCH_ALLOW_HOSTS: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
      )
      .superRefine((hosts, ctx) => {
        for (const host of hosts) {
          if (!parseAllowedHost(host))
            ctx.addIssue({ code: 'custom', message: `"${host}" is not host[:port]` });
        }
      })
      .default([])
      .describe('private hosts (host[:port], comma-separated) the server may fetch from'),
    ...limitVariables,
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

/** Every variable's name, the core's and the features' (each is also a flag: PORT → --port). */
export const variableNames = Object.keys(envSchema.shape);

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
  logLevel: string;
  /** Each limit's size: `RATE_LIMIT_<NAME>`, else its default (docs/operations.md, "Limits"). */
  limits: Limits;
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
 * What the command line asks for instead of a server: `--help`/`-h` or `--version`/`-v`. A
 * flag's value is not looked at (`--host -h` names a host, and parseFlags judges it).
 */
export function commandOf(argv: readonly string[]): 'help' | 'version' | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--version' || arg === '-v') return 'version';
    if (arg.startsWith('--') && !arg.includes('=')) i++;
  }
  return undefined;
}

/**
 * `roomkit --help`: every variable as its flag, with what it means (`.describe()`, or `.meta()`
 * with `unset` saying what no value means) and its default, wrapped to 100 columns.
 */
export function helpText(): string {
  const rows = Object.entries(envSchema.shape).map(([name, schema]) => {
    const unset = schema.meta()?.unset;
    const fallback =
      schema instanceof z.ZodDefault
        ? shownDefault(schema.def.defaultValue)
        : typeof unset === 'string'
          ? unset
          : 'unset';
    return [
      `--${name.toLowerCase().replace(/_/g, '-')} <value>`,
      `${schema.description ?? ''} (default: ${fallback})`,
    ] as const;
  });
  const all = [...rows, ['-h, --help', 'show this help'], ['-v, --version', 'show the version']];
  const width = Math.max(...all.map(([flag]) => flag.length)) + 4;
  return [
    'Usage: roomkit [--flag value]...',
    '       roomkit admin grant <username> [--role operator|viewer] | revoke <username> | list',
    '',
    'Runs the Roomkit server. Each flag sets the environment variable of its name (--port 9000 is',
    'PORT=9000) and wins over it. A bad value stops the server with one line naming it.',
    '`roomkit admin` gives an account of the database in DATABASE_URL the admin API, or takes it.',
    '',
    'Options:',
    ...all.flatMap(([flag, text]) =>
      wrap(text, 100 - width).map(
        (line, i) => (i === 0 ? `  ${flag}`.padEnd(width) : ' '.repeat(width)) + line,
      ),
    ),
    '',
  ].join('\n');
}

/** `text` in lines of at most `columns` characters, broken between words. */
function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

function shownDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(',');
  return String(value);
}

/**
 * Builds the Config from variables (usually `process.env` merged with flags). Unknown variables
 * are ignored; empty strings count as unset, as shells and compose files often pass them.
 */
export function loadConfig(vars: Record<string, string | undefined> = process.env): Config {
  const known = variableNames;
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
    logLevel: env.LOG_LEVEL,
    limits: readLimits(env),
    ...(Object.fromEntries(
      Object.entries(featureSettings).map(([name, settings]) => [name, settings.read(env)]),
    ) as FeatureConfig),
  };
}

function readLimits(env: Record<string, unknown>): Limits {
  const read = (name: LimitName) =>
    [name, (env[limitVariable(name)] as RateLimit | undefined) ?? defaultLimits[name]] as const;
  return Object.fromEntries(limitNames.map(read)) as unknown as Limits;
}

function parseTrustProxy(value: string | undefined): number | string[] | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}
