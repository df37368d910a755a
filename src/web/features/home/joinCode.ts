import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH } from '../../../protocol/constants.js';

/** Upper case, with the spaces and dashes people type or paste ("abc-234", "ABC 234") removed. */
export function normaliseJoinCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, '');
}

const codePattern = new RegExp(`^[${JOIN_CODE_ALPHABET}]{${JOIN_CODE_LENGTH}}$`);

/** Null when `code` (normalised) can be a join code, else a sentence saying why not. */
export function joinCodeProblem(code: string): string | null {
  if (code.length === 0) return 'Enter the code you were given.';
  if (code.length !== JOIN_CODE_LENGTH) {
    return `A join code has ${JOIN_CODE_LENGTH} characters; this has ${code.length}.`;
  }
  if (!codePattern.test(code)) return 'That is not a join code; check it and try again.';
  return null;
}
