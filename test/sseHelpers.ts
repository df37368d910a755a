/** Reading an SSE stream as bytes, beside EventSource (test/helpers.ts `openEvents`). */
import { onCleanup } from './helpers.js';

export interface Frame {
  id?: string;
  event?: string;
  data?: any;
  /** A comment line (`: ping`), without the colon. */
  comment?: string;
}

/**
 * Reads the stream with plain fetch, so that headers, comments and the end of the stream are
 * visible (EventSource hides all three).
 */
export async function openRaw(
  server: { url: string },
  roomId: string,
  auth: { token?: string; query?: string; headers?: Record<string, string> },
) {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...auth.headers };
  if (auth.token !== undefined) headers.authorization = `Bearer ${auth.token}`;
  const response = await fetch(
    `${server.url}/api/rooms/${roomId}/events${auth.query === undefined ? '' : `?${auth.query}`}`,
    { headers, signal: controller.signal },
  );
  onCleanup(() => controller.abort());
  const frames: Frame[] = [];
  let ended = false;
  const done = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done: finished, value } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          frames.push(parseFrame(buffer.slice(0, cut)));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch {
      // aborted by the test
    }
    ended = true;
  })();
  return {
    response,
    frames,
    done,
    isEnded: () => ended,
    events: (name: string) => frames.filter((f) => f.event === name),
  };
}

function parseFrame(text: string): Frame {
  const frame: Frame = {};
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else {
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') data.push(value);
    }
  }
  if (data.length > 0) frame.data = JSON.parse(data.join('\n'));
  return frame;
}
