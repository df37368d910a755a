import { randomFillSync, randomInt } from 'node:crypto';
import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH } from '../../protocol/schemas.js';

/**
 * Random bytes for ids, drawn from the system a pool at a time. Every chat message takes an id,
 * and one `randomBytes(16)` call (a call into OpenSSL and a Buffer of its own) costs several
 * microseconds, as much as the rest of storing the message; slicing a pool costs a fraction of
 * one. Each byte is handed out once (as Node's own `randomUUID` does with its entropy cache).
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/** An opaque, URL-safe id of `bytes` random bytes (room ids use 32: 256 bits). */
export function randomId(bytes = 16): string {
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.alloc(bytes)).toString('base64url');
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const id = pool.toString('base64url', used, used + bytes);
  used += bytes;
  return id;
}

export function randomJoinCode(): string {
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++)
    code += JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)];
  return code;
}
