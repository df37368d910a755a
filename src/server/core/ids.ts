import { randomBytes, randomInt } from 'node:crypto';
import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH } from '../../protocol/schemas.js';

/** An opaque, URL-safe id of `bytes` random bytes (room ids use 32: 256 bits). */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

export function randomJoinCode(): string {
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++)
    code += JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)];
  return code;
}
