/**
 * `INTEGRATORS_FILE` (API.md, "Configuration"; docs/embedding.md): checked at start, each
 * mistake refused in one line that names the entry and the field.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../../test/helpers.js';
import { buildApp } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
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

  it('stops the server at start with that line (main.ts prints a ConfigError as it is)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomkit-integrators-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'integrators.json');
    await writeFile(file, JSON.stringify([{ ...entry, allowedOrigins: ['shop.example'] }]));
    const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', INTEGRATORS_FILE: file });
    const starting = buildApp(config, { webRoot: false });
    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toThrow(
      'INTEGRATORS_FILE: entry 1 ("shop"): allowedOrigins.0: an origin: scheme://host[:port], without a path or a trailing slash',
    );
  });
});
