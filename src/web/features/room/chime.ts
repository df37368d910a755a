/**
 * A short two-note chime made with WebAudio: no sound file to download. Browsers start an
 * AudioContext only after a person has interacted with the page, so `unlockChime` is called
 * from the click that turns alerts on; after a reload it unlocks with the first click or key.
 */
let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (context) return context;
  if (typeof AudioContext === 'undefined') return null;
  try {
    context = new AudioContext();
  } catch {
    return null;
  }
  return context;
}

export function unlockChime(): void {
  void audio()
    ?.resume()
    .catch(() => {});
}

export function playChime(): void {
  const ctx = audio();
  if (!ctx) return;
  if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
  const start = ctx.currentTime + 0.01;
  const gain = ctx.createGain();
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.12, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.4);
  gain.connect(ctx.destination);
  const tone = ctx.createOscillator();
  tone.type = 'sine';
  tone.frequency.setValueAtTime(880, start);
  tone.frequency.setValueAtTime(1320, start + 0.12);
  tone.connect(gain);
  tone.start(start);
  tone.stop(start + 0.45);
}
