/**
 * What each video line of a participant's offer to the SFU carries, read from the SDP itself: a
 * participant sends its microphone and camera in one media stream and its screen in another
 * (the same rule as the mesh's `trackRole`), so a video line whose `msid` stream also holds the
 * audio is the camera, and one in a stream of its own is the screen. Janus passes each line's
 * description on to the subscribers, who learn from it which tile a track belongs on.
 */
export interface PublishedLine {
  mid: string;
  description: 'camera' | 'screen';
}

interface MediaSection {
  kind: string;
  mid: string | undefined;
  stream: string | undefined;
}

function sections(sdp: string): MediaSection[] {
  const found: MediaSection[] = [];
  let current: MediaSection | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      current = { kind: line.slice(2).split(' ')[0] ?? '', mid: undefined, stream: undefined };
      found.push(current);
    } else if (current && line.startsWith('a=mid:')) {
      current.mid = line.slice('a=mid:'.length).trim();
    } else if (current && line.startsWith('a=msid:')) {
      current.stream = line.slice('a=msid:'.length).split(' ')[0];
    }
  }
  return found;
}

/** The video lines of `sdp`, each described as the camera or the screen. */
export function publishedLines(sdp: string): PublishedLine[] {
  const all = sections(sdp);
  const audioStreams = new Set(
    all.filter((s) => s.kind === 'audio' && s.stream && s.stream !== '-').map((s) => s.stream),
  );
  const lines: PublishedLine[] = [];
  for (const section of all) {
    if (section.kind !== 'video' || section.mid === undefined) continue;
    const withAudio = section.stream !== undefined && audioStreams.has(section.stream);
    // Without stream ids to go by, the first video line is the camera and any later one a screen.
    const camera = audioStreams.size > 0 ? withAudio : lines.length === 0;
    lines.push({ mid: section.mid, description: camera ? 'camera' : 'screen' });
  }
  return lines;
}
