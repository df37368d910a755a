/**
 * Whether someone is speaking, from the loudness of their audio (a WebAudio analyser's samples).
 * Pure: the level comes in, the answer goes out. A short hold keeps the mark from flickering
 * between words.
 */

/** Root mean square of the samples (each −1…1): 0 for silence, about 0.02 for quiet speech. */
export function loudness(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let index = 0; index < samples.length; index++) {
    const value = samples[index] ?? 0;
    sum += value * value;
  }
  return Math.sqrt(sum / samples.length);
}

/** Louder than breathing and a fan, quieter than a word. */
export const SPEAKING_LEVEL = 0.015;
/** How many quiet readings in a row end "speaking" (at ~6 readings a second, half a second). */
export const SPEAKING_HOLD = 3;

export interface SpeakingState {
  speaking: boolean;
  quietReadings: number;
}

export const notSpeaking: SpeakingState = { speaking: false, quietReadings: 0 };

/** The next state after one reading of `level`. */
export function nextSpeaking(state: SpeakingState, level: number): SpeakingState {
  if (level >= SPEAKING_LEVEL) return { speaking: true, quietReadings: 0 };
  const quietReadings = state.quietReadings + 1;
  return { speaking: state.speaking && quietReadings < SPEAKING_HOLD, quietReadings };
}
