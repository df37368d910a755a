/** y-websocket clients for the benchmarks: real `WebsocketProvider`s over `ws`, as in collab.test.ts. */
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** Where one editor connects: `<serverUrl>/<room>?<params>`, as WebsocketProvider builds it. */
export interface DocTarget {
  serverUrl: string;
  room: string;
  params: Record<string, string>;
}

export interface Editor {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  close(): void;
}

/** Roomkit's document of a room, for a member's token. */
export function roomkitTarget(baseUrl: string, roomId: string, token: string): DocTarget {
  return { serverUrl: `${baseUrl.replace(/^http/, 'ws')}/collab`, room: roomId, params: { token } };
}

/** The bare y-websocket server's document named `name`. */
export function bareTarget(baseUrl: string, name: string): DocTarget {
  return { serverUrl: baseUrl.replace(/^http/, 'ws'), room: name, params: {} };
}

/** A provider on its own `Y.Doc`, resolved once synced with the server. */
export function openEditor(target: DocTarget, timeoutMs = 30_000): Promise<Editor> {
  // Each provider listens for the process's exit; hundreds of them are no leak.
  process.setMaxListeners(0);
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(target.serverUrl, target.room, doc, {
    params: target.params,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    // Providers of one room in one process would otherwise sync through a BroadcastChannel,
    // around the server.
    disableBc: true,
  });
  const editor: Editor = {
    doc,
    text: doc.getText('code'),
    provider,
    close: () => {
      provider.destroy();
      doc.destroy();
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      editor.close();
      reject(new Error(`${target.room}: not synced within ${timeoutMs} ms`));
    }, timeoutMs);
    const onSync = (synced: boolean) => {
      if (!synced) return;
      clearTimeout(timer);
      provider.off('sync', onSync);
      resolve(editor);
    };
    provider.on('sync', onSync);
  });
}
