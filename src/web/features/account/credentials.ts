/**
 * Early feedback on a username and a password, by the server's own rules (API.md "As built",
 * "Accounts"), so a person learns before the round trip; the server still decides, and only it
 * knows which names are taken and which passwords are too common.
 */
import { PASSWORD_MAX, PASSWORD_MIN } from '../../../protocol/constants.js';
import { checkDisplayName, DISPLAY_NAME_MAX } from '../../../protocol/displayName.js';
import { ApiError } from '../../lib/api.js';
import { describeError } from '../../lib/errorMessages.js';

/** Signing in checks a password against its hash; signing up (or a change) against the rules. */
export type PasswordUse = 'existing' | 'new';

const usernameMessages = {
  empty: 'Enter a username.',
  too_long: `A username has at most ${DISPLAY_NAME_MAX} characters.`,
  forbidden_characters: 'A username cannot contain control, invisible or direction characters.',
} as const;

/** What is wrong with a username as typed, or null. */
export function usernameProblem(username: string): string | null {
  const checked = checkDisplayName(username);
  return checked.ok ? null : usernameMessages[checked.reason];
}

/** What is wrong with a password as typed, or null; a new one is checked against the rules. */
export function passwordProblem(password: string, use: PasswordUse, username = ''): string | null {
  if (password.length === 0) return 'Enter a password.';
  if (use === 'existing') return null;
  if (password.length < PASSWORD_MIN) return `A password has at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `A password has at most ${PASSWORD_MAX} characters.`;
  const name = checkDisplayName(username);
  if (name.ok && password.toLowerCase() === name.name.toLowerCase())
    return 'A password cannot be the username.';
  return null;
}

/** "30 seconds", "2 minutes": how long a refused attempt has to wait. */
export function waitPhrase(seconds: number): string {
  if (seconds < 90) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

function retryAfter(error: ApiError): number | null {
  const details = error.details as { retryAfter?: unknown } | undefined;
  return typeof details?.retryAfter === 'number' && details.retryAfter > 0
    ? Math.ceil(details.retryAfter)
    : null;
}

/**
 * The server's words for a broken rule (`details: [{ path, message }]`) as a sentence:
 * "password: is one of the most common passwords" reads "This password is one of the most
 * common passwords.". Null when the refusal names no field.
 */
function ruleSentence(error: ApiError): string | null {
  const details: unknown = error.details;
  const detail: unknown = Array.isArray(details) ? (details as unknown[])[0] : undefined;
  if (typeof detail !== 'object' || detail === null) return null;
  const { path, message } = detail as { path?: unknown; message?: unknown };
  if (typeof message !== 'string' || message === '') return null;
  const field = path === 'username' ? 'username' : 'password';
  const text = message.startsWith('is ') ? `This ${field} ${message}` : message;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${text.endsWith('.') ? '' : '.'}`;
}

/**
 * A refused sign-in, sign-up or password change as a sentence: wrong credentials, a taken name,
 * the server's own words for a rule, how long to wait after too many attempts.
 */
export function describeAccountError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'rate_limited') {
    const seconds = retryAfter(error);
    return seconds === null
      ? 'Too many attempts; wait a moment and try again.'
      : `Too many attempts; try again in ${waitPhrase(seconds)}.`;
  }
  if (error instanceof ApiError && error.code === 'invalid_request') {
    const sentence = ruleSentence(error);
    if (sentence !== null) return sentence;
  }
  return describeError(error, {
    unauthorized: 'Wrong username or password.',
    name_taken: 'That username is taken; choose another.',
    forbidden: 'The current password is wrong.',
  });
}
