import { describe, expect, it } from 'vitest';
import { remoteUser } from './remoteSelections.js';

describe('remoteUser', () => {
  it('takes the name and colours another editor announces', () => {
    expect(
      remoteUser({ user: { name: 'Grace', color: '#2b8a3e', colorLight: '#2b8a3e33' } }),
    ).toEqual({ name: 'Grace', color: '#2b8a3e', colorLight: '#2b8a3e33' });
  });

  it('only draws hex colours, since they end up in a style', () => {
    const user = remoteUser({
      user: { name: 'Mallory', color: 'red; background-image: url(//evil)', colorLight: 'x' },
    });
    expect(user.color).toBe('#30bced');
    expect(user.colorLight).toBe('#30bced33');
  });

  it('names someone who gives no usable name "Anonymous", and cuts long names', () => {
    expect(remoteUser({}).name).toBe('Anonymous');
    expect(remoteUser({ user: { name: '   ' } }).name).toBe('Anonymous');
    expect(remoteUser({ user: { name: 'x'.repeat(500) } }).name).toHaveLength(40);
  });
});
