import { describe, expect, it } from 'vitest';
import { describeJoinRefusal, describeMediaError, INSECURE_CONTEXT } from './mediaErrors.js';

const domError = (name: string) => Object.assign(new Error('browser text'), { name });

describe('describeMediaError', () => {
  it('tells a refused permission apart and says where to allow it', () => {
    const words = describeMediaError(domError('NotAllowedError'), 'camera');
    expect(words).toContain('not letting Roomkit use your camera');
    expect(words).toContain('site settings');
  });

  it('says a missing device is missing, and that listening still works', () => {
    const words = describeMediaError(domError('NotFoundError'), 'microphone');
    expect(words).toContain('No microphone was found');
    expect(words).toContain('listen');
  });

  it('says a busy device is used by another app', () => {
    expect(describeMediaError(domError('NotReadableError'), 'microphone and camera')).toContain(
      'another app or tab is using them',
    );
  });

  it('asks for https on an insecure page', () => {
    expect(describeMediaError(INSECURE_CONTEXT, 'microphone')).toContain('https://');
  });

  it('never shows the browser own message', () => {
    expect(describeMediaError(domError('SomethingNew'), 'camera')).not.toContain('browser text');
  });
});

describe('describeJoinRefusal', () => {
  it('explains a full call in the server’s words, which name its limits', () => {
    const words = describeJoinRefusal({
      code: 'forbidden',
      message: 'This call is full: calls here hold up to 32 people.',
      details: { reason: 'call_full', limit: 32 },
    });
    expect(words).toBe(
      'This call is full: calls here hold up to 32 people. Try again when someone leaves.',
    );
  });

  it('does not call another refusal a full call', () => {
    const other = { code: 'forbidden', message: 'No.', details: { reason: 'other' } };
    expect(describeJoinRefusal(other)).toBe('You cannot join this call.');
  });
});
