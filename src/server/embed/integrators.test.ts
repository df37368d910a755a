/**
 * `INTEGRATORS_FILE` (API.md, "Configuration"; docs/embedding.md): checked at start, each
 * mistake refused in one line that names the entry and the field.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../../test/helpers.js';
import { ConfigError } from '../config.js';
import { loadIntegrators, parseIntegrators } from './Integrators.js';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const entry = { id: 'shop', secret: SECRET, allowedOrigins: ['https://shop.example'] };

function refusal(json: unknown): string {
  try {
    parseIntegrators(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('reading the integrators', () => {
  it('takes one secret or two, and defaults the rest', () => {
    const [single, rotating] = parseIntegrators([
      entry,
      {
        id: 'blog',
        secrets: [SECRET, `${SECRET}-old`],
        allowedOrigins: ['https://blog.example', 'http://localhost:3000'],
        rooms: { persistent: true, ttlSeconds: 3600 },
        diagnostics: true,
      },
    ]);
    expect(single).toEqual({
      id: 'shop',
      secrets: [Buffer.from(SECRET)],
      allowedOrigins: ['https://shop.example'],
      rooms: { persistent: false, ttlSeconds: undefined },
      diagnostics: false,
    });
    expect(rotating?.secrets).toHaveLength(2);
    expect(rotating?.rooms).toEqual({ persistent: true, ttlSeconds: 3600 });
  });

  it('names the entry and the field of each mistake', () => {
    expect(refusal({ id: 'shop' })).toBe('INTEGRATORS_FILE: expected a JSON list of integrators');
    expect(refusal([entry, { ...entry, secret: 'short' }])).toBe(
      'INTEGRATORS_FILE: entry 2 ("shop"): secret: a secret has at least 32 characters',
    );
    expect(refusal([{ ...entry, allowedOrigins: ['https://shop.example/'] }])).toMatch(
      /^INTEGRATORS_FILE: entry 1 \("shop"\): allowedOrigins\.0: an origin/,
    );
    expect(refusal([{ ...entry, allowedOrigins: ['*'] }])).toMatch(/allowedOrigins\.0: an origin/);
    expect(refusal([{ ...entry, allowedOrigins: [] }])).toMatch(/allowedOrigins:/);
    expect(refusal([{ id: 'shop', allowedOrigins: ['https://shop.example'] }])).toBe(
      'INTEGRATORS_FILE: entry 1 ("shop"): secrets: give either "secret" or "secrets"',
    );
    expect(refusal([{ ...entry, secrets: [SECRET] }])).toMatch(/give either/);
    expect(refusal([{ ...entry, secrets: [SECRET, SECRET, SECRET], secret: undefined }])).toMatch(
      /secrets:/,
    );
    expect(refusal([{ ...entry, id: 'has space' }])).toMatch(
      /^INTEGRATORS_FILE: entry 1 \("has space"\): id:/,
    );
    expect(refusal([entry, entry])).toBe(
      'INTEGRATORS_FILE: entry 2 ("shop"): id is used by an earlier entry',
    );
    expect(refusal([{ ...entry, sekret: SECRET }])).toMatch(
      /entry 1 \("shop"\): entry: Unrecognized key/,
    );
  });

  it('says so when the file is missing or not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomkit-integrators-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    expect(() => loadIntegrators(join(dir, 'missing.json'))).toThrow(
      `INTEGRATORS_FILE: cannot read ${join(dir, 'missing.json')} (ENOENT)`,
    );
    await writeFile(join(dir, 'broken.json'), '[{');
    expect(() => loadIntegrators(join(dir, 'broken.json'))).toThrow(/is not JSON/);
  });

  it('stops the server at start, in one line on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomkit-integrators-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'integrators.json');
    await writeFile(file, JSON.stringify([{ ...entry, allowedOrigins: ['shop.example'] }]));
    const failed = (await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', new URL('../main.ts', import.meta.url).pathname],
      {
        env: { ...process.env, INTEGRATORS_FILE: file, PORT: '0', LOG_LEVEL: 'silent' },
        timeout: 60_000,
      },
    ).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code: number; stderr: string } | undefined;
    expect(failed?.code).toBe(2);
    expect(failed?.stderr.split('\n').filter(Boolean)).toEqual([
      'roomkit: INTEGRATORS_FILE: entry 1 ("shop"): allowedOrigins.0: an origin: scheme://host[:port], without a path or a trailing slash',
    ]);
  });
});
