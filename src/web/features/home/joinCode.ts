import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH } from '../../../protocol/constants.js';

/** Upper case, with the spaces and dashes people type or paste ("abc-234", "ABC 234") removed. */
export function normaliseJoinCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, '');
}

const outsideAlphabet = new RegExp(`[^${JOIN_CODE_ALPHABET}]`);

const spaced = (characters: string) => characters.split('').join(' ');

/** What a code may be made of, for messages: codes leave out characters that look alike. */
export const JOIN_CODE_CHARACTERS =
  `Join codes use only the digits ${spaced(JOIN_CODE_ALPHABET.replace(/\D/g, ''))} ` +
  `and the letters ${spaced(JOIN_CODE_ALPHABET.replace(/\d/g, ''))}.`;

/**
 * A sentence when what is typed so far (normalised) cannot become a join code, else null: for
 * checking as the person types, before the code is complete.
 */
export function joinCodeTypingProblem(code: string): string | null {
  if (outsideAlphabet.test(code)) return `That is not a join code. ${JOIN_CODE_CHARACTERS}`;
  if (code.length > JOIN_CODE_LENGTH) {
    return `A join code has ${JOIN_CODE_LENGTH} characters; this has ${code.length}.`;
  }
  return null;
}

/** Null when `code` (normalised) can be a join code, else a sentence saying why not. */
export function joinCodeProblem(code: string): string | null {
  if (code.length === 0) return 'Enter the code you were given.';
  const typing = joinCodeTypingProblem(code);
  if (typing !== null) return typing;
  if (code.length !== JOIN_CODE_LENGTH) {
    return `A join code has ${JOIN_CODE_LENGTH} characters; this has ${code.length}.`;
  }
  return null;
}
