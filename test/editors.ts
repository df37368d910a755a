/** Collaborative editors for tests: stock y-websocket providers over `ws`, as any client uses. */
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { onCleanup, waitFor } from './helpers.js';

/** Opens the room's document as `member` on `server`, waits until synced; closed after the test. */
export async function openEditor(
  server: { url: string },
  member: { token: string; room: { id: string } },
) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(
    `${server.url.replace(/^http/, 'ws')}/collab`,
    member.room.id,
    doc,
    {
      params: { token: member.token },
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    },
  );
  const close = () => {
    provider.destroy();
    doc.destroy();
  };
  onCleanup(close);
  await waitFor(() => provider.synced || undefined, 5000, 'the editor synced');
  return { doc, provider, text: doc.getText('code'), close };
}
