import { describe, expect, it } from 'vitest';
import { joinCodeProblem, joinCodeTypingProblem, normaliseJoinCode } from './joinCode.js';

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

  it('are refused as soon as a character no code uses is typed, naming the ones they use', () => {
    expect(joinCodeTypingProblem('AC')).toBeNull();
    expect(joinCodeTypingProblem('')).toBeNull();
    const problem = joinCodeTypingProblem('AC0');
    expect(problem).toContain('3 4 6 7 9');
    expect(problem).toContain('A C D E F G H J K M N P Q R T W X Y');
    expect(joinCodeTypingProblem('ACD3467')).toMatch(/6 characters/);
  });
});
