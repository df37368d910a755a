import { describe, expect, it } from 'vitest';
import { joinCodeProblem, normaliseJoinCode } from './joinCode.js';

describe('join codes typed or pasted by people', () => {
  it('are upper-cased with spaces and dashes removed', () => {
    expect(normaliseJoinCode('acd-346')).toBe('ACD346');
    expect(normaliseJoinCode(' acd 346 ')).toBe('ACD346');
  });

  it('must have six characters of the join-code alphabet', () => {
    expect(joinCodeProblem('ACD346')).toBeNull();
    expect(joinCodeProblem('')).toMatch(/Enter/);
    expect(joinCodeProblem('ACD34')).toMatch(/6 characters/);
    expect(joinCodeProblem('ABC012')).toMatch(/not a join code/);
  });
});
