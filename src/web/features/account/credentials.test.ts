import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api.js';
import {
  describeAccountError,
  passwordProblem,
  usernameProblem,
  waitPhrase,
} from './credentials.js';

describe('usernameProblem', () => {
  it('accepts a name by the display-name rules', () => {
    expect(usernameProblem('  Grace Hopper ')).toBeNull();
  });

  it('names what is wrong', () => {
    expect(usernameProblem('   ')).toBe('Enter a username.');
    expect(usernameProblem('x'.repeat(41))).toBe('A username has at most 40 characters.');
    expect(usernameProblem('gr\u202Eace')).toMatch(/cannot contain/);
  });
});

describe('passwordProblem', () => {
  it('only asks for something when signing in', () => {
    expect(passwordProblem('', 'existing')).toBe('Enter a password.');
    expect(passwordProblem('short', 'existing')).toBeNull();
  });

  it('checks a new password against the bounds', () => {
    expect(passwordProblem('seven77', 'new')).toBe('A password has at least 8 characters.');
    expect(passwordProblem('x'.repeat(257), 'new')).toBe('A password has at most 256 characters.');
    expect(passwordProblem('correct horse', 'new')).toBeNull();
  });

  it('refuses the username as the password, in any case', () => {
    expect(passwordProblem('GraceHopper', 'new', ' gracehopper ')).toBe(
      'A password cannot be the username.',
    );
    expect(passwordProblem('GraceHopper1', 'new', 'gracehopper')).toBeNull();
  });
});

describe('describeAccountError', () => {
  it('says wrong credentials for a 401', () => {
    const error = new ApiError('unauthorized', 'Wrong username or password.', 401);
    expect(describeAccountError(error)).toBe('Wrong username or password.');
  });

  it('says the name is taken for a 409', () => {
    const error = new ApiError('name_taken', 'Taken.', 409);
    expect(describeAccountError(error)).toBe('That username is taken; choose another.');
  });

  it("shows the server's own words for a rule, as a sentence", () => {
    const common = new ApiError(
      'invalid_request',
      'password: is one of the most common passwords',
      400,
      [{ path: 'password', message: 'is one of the most common passwords' }],
    );
    expect(describeAccountError(common)).toBe('This password is one of the most common passwords.');
    const short = new ApiError('invalid_request', 'newPassword: a password has…', 400, [
      { path: 'newPassword', message: 'a password has at least 8 characters' },
    ]);
    expect(describeAccountError(short)).toBe('A password has at least 8 characters.');
    const bare = new ApiError('invalid_request', 'username: Invalid input', 400);
    expect(describeAccountError(bare)).toBe('username: Invalid input');
  });

  it('says how long to wait after too many attempts', () => {
    const error = new ApiError('rate_limited', 'Too many requests.', 429, { retryAfter: 42 });
    expect(describeAccountError(error)).toBe('Too many attempts; try again in 42 seconds.');
    const bare = new ApiError('rate_limited', 'Too many requests.', 429);
    expect(describeAccountError(bare)).toBe('Too many attempts; wait a moment and try again.');
  });

  it('rounds long waits to minutes', () => {
    expect(waitPhrase(1)).toBe('1 second');
    expect(waitPhrase(89)).toBe('89 seconds');
    expect(waitPhrase(600)).toBe('10 minutes');
  });
});
