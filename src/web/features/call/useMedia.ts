import { useCallback, useEffect, useState } from 'react';
import { loudness, nextSpeaking, notSpeaking } from './speaking.js';

/**
 * A ref for a video or audio element that shows `track` (nothing while it is null), set as the
 * element appears (a camera turned on mounts a new one) and whenever the track changes.
 */
export function useTrack(
  track: MediaStreamTrack | null,
): (element: HTMLMediaElement | null) => void {
  return useCallback(
    (element: HTMLMediaElement | null) => {
      if (!element) return;
      const shown =
        element.srcObject instanceof MediaStream ? element.srcObject.getTracks()[0] : null;
      if ((shown ?? null) === track) return;
      element.srcObject = track ? new MediaStream([track]) : null;
      // Autoplay may be refused before the person has touched the page; joining the call is
      // a touch, so this seldom fails.
      if (track) void element.play().catch(() => {});
    },
    [track],
  );
}

let sharedContext: AudioContext | null = null;

/** One AudioContext for every analyser of the page (browsers limit how many may run). */
function audioContext(): AudioContext | null {
  if (typeof AudioContext === 'undefined') return null;
  sharedContext ??= new AudioContext();
  if (sharedContext.state === 'suspended') void sharedContext.resume().catch(() => {});
  return sharedContext;
}

/** How often the level is read: often enough to follow speech, rarely enough to cost nothing. */
const READ_EVERY_MS = 160;

/** Whether the person behind `track` is speaking now, from a WebAudio analyser of its level. */
export function useSpeaking(track: MediaStreamTrack | null, enabled: boolean): boolean {
  const [speaking, setSpeaking] = useState(false);
  useEffect(() => {
    if (!track || !enabled) return;
    const context = audioContext();
    if (!context) return;
    const source = context.createMediaStreamSource(new MediaStream([track]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let state = notSpeaking;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      const next = nextSpeaking(state, loudness(samples));
      if (next.speaking !== state.speaking) setSpeaking(next.speaking);
      state = next;
    }, READ_EVERY_MS);
    return () => {
      clearInterval(timer);
      source.disconnect();
      analyser.disconnect();
      setSpeaking(false);
    };
  }, [track, enabled]);
  return speaking && track !== null && enabled;
}
