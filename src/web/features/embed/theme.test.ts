import { describe, expect, it } from 'vitest';
import { contrast } from '../../lib/avatar.js';
import { accentVariables } from './theme.js';

describe('an accent colour', () => {
  it('is kept when it reads well', () => {
    expect(accentVariables('#1D4ED8', false)['--accent']).toBe('#1d4ed8');
  });

  it.each(['#ffd400', '#0a7cff', '#ff5a5f', '#000000', '#ffffff', '#22c55e'])(
    '%s reads at 4.5:1 on the page and under text, in both themes',
    (accent) => {
      for (const dark of [false, true]) {
        const vars = accentVariables(accent, dark);
        const page = dark ? '#1d2027' : '#ffffff';
        expect(contrast(vars['--accent']!, page)).toBeGreaterThanOrEqual(4.5);
        expect(contrast(vars['--accent']!, vars['--accent-contrast']!)).toBeGreaterThanOrEqual(4.5);
      }
    },
  );
});
