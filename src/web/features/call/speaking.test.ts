import { describe, expect, it } from 'vitest';
import { loudness, nextSpeaking, notSpeaking, SPEAKING_HOLD } from './speaking.js';

describe('speaking', () => {
  it('measures silence as zero and a tone as its root mean square', () => {
    expect(loudness(new Float32Array(64))).toBe(0);
    expect(loudness([0.5, -0.5, 0.5, -0.5])).toBeCloseTo(0.5);
  });

  it('starts at the first loud reading and holds through short pauses', () => {
    let state = nextSpeaking(notSpeaking, 0.1);
    expect(state.speaking).toBe(true);
    for (let reading = 1; reading < SPEAKING_HOLD; reading++) {
      state = nextSpeaking(state, 0);
      expect(state.speaking).toBe(true);
    }
    state = nextSpeaking(state, 0);
    expect(state.speaking).toBe(false);
  });
});
