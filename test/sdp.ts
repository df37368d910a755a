/**
 * A publisher's offer as a browser makes one for the SFU (the web client's three send-only lines:
 * microphone and camera in one stream, screen in another), for tests that talk to Janus without a
 * browser: Janus answers it, though no media ever flows.
 */
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16)).join(':');

function line(kind: 'audio' | 'video', mid: number, stream: string, codec: string): string {
  const payload = kind === 'audio' ? 111 : 96;
  return [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF ${payload}`,
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:Rk7q',
    'a=ice-pwd:roomkitTestsIcePassword24',
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${FINGERPRINT.toUpperCase()}`,
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=sendonly',
    `a=msid:${stream} track${mid}`,
    'a=rtcp-mux',
    `a=rtpmap:${payload} ${codec}`,
    `a=ssrc:${1000 + mid} cname:roomkit`,
  ].join('\r\n');
}

/** The offer; `streams` renames the camera's and the screen's stream ids. */
export function publisherOffer({ camera = 'camera', screen = 'screen' } = {}): string {
  return (
    [
      'v=0',
      'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'a=group:BUNDLE 0 1 2',
      'a=msid-semantic: WMS',
      line('audio', 0, camera, 'opus/48000/2'),
      line('video', 1, camera, 'VP8/90000'),
      line('video', 2, screen, 'VP8/90000'),
    ].join('\r\n') + '\r\n'
  );
}
