import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { integratorIdSchema, webOriginSchema } from '../../protocol/embed.js';
import { ConfigError } from '../config.js';

/** An HMAC key: long enough that guessing it is out of the question. */
const secretSchema = z.string().min(32, 'a secret has at least 32 characters').max(512);

const entrySchema = z
  .strictObject({
    id: integratorIdSchema,
    /** The signing secret (the older, single form). */
    secret: secretSchema.optional(),
    /** One or two secrets: during a rotation, tickets signed with either are good. */
    secrets: z.array(secretSchema).min(1).max(2).optional(),
    /** The exact origins whose pages may frame the rooms and hold tickets. */
    allowedOrigins: z.array(webOriginSchema).min(1).max(50),
    /** How the rooms its tickets create are made. */
    rooms: z
      .strictObject({
        /** Kept in the database (with DATABASE_URL; otherwise rooms stay in memory). */
        persistent: z.boolean().optional(),
        ttlSeconds: z.number().int().min(60).max(604_800).optional(),
      })
      .optional(),
    /**
     * Development only: `/embed/diagnostics` explains why one of its tickets was refused.
     * Never turn it on for a production integrator.
     */
    diagnostics: z.boolean().optional(),
  })
  .refine((entry) => (entry.secret === undefined) !== (entry.secrets === undefined), {
    message: 'give either "secret" or "secrets"',
    path: ['secrets'],
  });

/** One site that embeds rooms, as `INTEGRATORS_FILE` lists it. */
export interface Integrator {
  id: string;
  /** Its signing secrets as bytes: the current one first, then the one being retired. */
  secrets: Buffer[];
  allowedOrigins: string[];
  rooms: { persistent: boolean; ttlSeconds?: number | undefined };
  diagnostics: boolean;
}

/** The integrators of `INTEGRATORS_FILE`, by id. */
export class Integrators {
  private readonly byId: ReadonlyMap<string, Integrator>;

  constructor(list: readonly Integrator[]) {
    this.byId = new Map(list.map((integrator) => [integrator.id, integrator]));
  }

  get(id: string): Integrator | undefined {
    return this.byId.get(id);
  }

  list(): Integrator[] {
    return [...this.byId.values()];
  }
}

/**
 * Reads and checks `INTEGRATORS_FILE` at start. Anything wrong is a ConfigError of one line
 * that names the file, the entry and the field, so the server does not start half configured.
 */
export function loadIntegrators(file: string): Integrators {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`INTEGRATORS_FILE: cannot read ${file} (${reason})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`INTEGRATORS_FILE: ${file} is not JSON (${(error as Error).message})`);
  }
  return new Integrators(parseIntegrators(json));
}

/** Checks the file's JSON: a list of entries with distinct ids. */
export function parseIntegrators(json: unknown): Integrator[] {
  if (!Array.isArray(json)) {
    throw new ConfigError('INTEGRATORS_FILE: expected a JSON list of integrators');
  }
  const seen = new Set<string>();
  return json.map((raw: unknown, index) => {
    const name = describeEntry(raw, index);
    const result = entrySchema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      const path = issue?.path.join('.') || 'entry';
      throw new ConfigError(`INTEGRATORS_FILE: ${name}: ${path}: ${issue?.message ?? 'invalid'}`);
    }
    const entry = result.data;
    if (seen.has(entry.id))
      throw new ConfigError(`INTEGRATORS_FILE: ${name}: id is used by an earlier entry`);
    seen.add(entry.id);
    const secrets = entry.secrets ?? [entry.secret as string];
    return {
      id: entry.id,
      secrets: secrets.map((secret) => Buffer.from(secret, 'utf8')),
      allowedOrigins: entry.allowedOrigins,
      rooms: { persistent: entry.rooms?.persistent ?? false, ttlSeconds: entry.rooms?.ttlSeconds },
      diagnostics: entry.diagnostics ?? false,
    };
  });
}

/** `entry 2 ("shop")`, or `entry 2` when it has no usable id. */
function describeEntry(raw: unknown, index: number): string {
  const id = (raw as { id?: unknown } | null)?.id;
  const shown = typeof id === 'string' && id.length <= 64 ? ` (${JSON.stringify(id)})` : '';
  return `entry ${index + 1}${shown}`;
}
