import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CODE_META, CODE_TEXT, COLLAB_PATH } from '../../../protocol/collab.js';
import type { Member } from '../../../protocol/schemas.js';
import type { SessionRejection } from '../room/useRoom.js';
import {
  collabReducer,
  describeClose,
  initialCollabStatus,
  isPermanentClose,
  type CollabStatus,
} from './collabStatus.js';
import { codeAfterSwitch, DEFAULT_LANGUAGE, exampleFor, languageFromMeta } from './languages.js';
import { userColor } from './userColor.js';

/** The parts of the room's shared document the editor binds to, for one connection. */
export interface CollabDoc {
  ytext: Y.Text;
  provider: WebsocketProvider;
  /** Undoes only this person's edits (its tracked origin is the editor binding). */
  undoManager: Y.UndoManager;
}

export interface Collab {
  doc: CollabDoc | null;
  status: CollabStatus;
  /** The document's `meta.language`, or the default while it names none. */
  language: string;
  /**
   * Writes `meta.language`: every editor in the room switches. An empty document, or one that
   * still holds another language's example, gets the new language's example.
   */
  setLanguage: (language: string) => void;
  /** Fills an empty document with the example of its language. */
  insertExample: () => void;
  /** How many people have the code open (awareness states, this person included). */
  editors: number;
  /** Reconnects after the server stopped sharing (e.g. once the code is short enough again). */
  retry: () => void;
}

function collabUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}${COLLAB_PATH}`;
}

/**
 * Connects to the room's shared document (API.md, "Collaborative code") for as long as the
 * component is mounted, with this member's name and colour in the awareness `user` field.
 * A close code that says the session or the room is over is passed on to `onRejected`.
 */
export function useCollab(
  session: { roomId: string; token: string; member: Member },
  onRejected: (reason: SessionRejection) => void,
): Collab {
  const [doc, setDoc] = useState<CollabDoc | null>(null);
  const [status, dispatch] = useReducer(collabReducer, initialCollabStatus);
  const [language, setLanguageState] = useState(DEFAULT_LANGUAGE);
  const [editors, setEditors] = useState(1);
  const rejected = useRef(onRejected);
  useEffect(() => {
    rejected.current = onRejected;
  }, [onRejected]);

  const { roomId, token } = session;
  const { id: memberId, displayName } = session.member;
  useEffect(() => {
    const ydoc = new Y.Doc();
    const ytext = ydoc.getText(CODE_TEXT);
    const meta = ydoc.getMap<unknown>(CODE_META);
    const undoManager = new Y.UndoManager(ytext);
    const provider = new WebsocketProvider(collabUrl(), roomId, ydoc, {
      connect: false,
      params: { token },
      // The server is the one authority on who may edit and how large the document may grow;
      // other tabs of this browser get the code through it too, not over a BroadcastChannel.
      disableBc: true,
      shouldReconnect: (event) => !isPermanentClose(event.code),
    });
    const { awareness } = provider;
    awareness.setLocalStateField('user', { name: displayName, ...userColor(memberId) });

    provider.on('status', ({ status: next }) => {
      if (next !== 'disconnected') dispatch({ type: next });
    });
    provider.on('sync', (synced) => {
      if (synced) dispatch({ type: 'synced' });
    });
    provider.on('connection-close', (event) =>
      dispatch({ type: 'closed', code: event?.code ?? null }),
    );
    // Emitted once y-websocket has stopped reconnecting because of a 44xx code.
    provider.on('closed', ({ code }) => {
      provider.disconnect();
      const action = describeClose(code)?.action;
      if (action === 'session_ended') rejected.current('unauthorized');
      else if (action === 'room_gone') rejected.current('room_not_found');
    });

    const countEditors = () => setEditors(Math.max(1, awareness.getStates().size));
    awareness.on('change', countEditors);
    const readLanguage = () => setLanguageState(languageFromMeta(meta.get('language')));
    meta.observe(readLanguage);
    readLanguage();

    // A phone going out of reach can leave the socket half-open until the 30 s watchdog: drop
    // it at once, as Socket.IO does for the chat; y-websocket keeps retrying (2.5 s at most
    // apart) and is back soon after the network.
    const wentOffline = () => provider.ws?.close();
    window.addEventListener('offline', wentOffline);

    setDoc({ ytext, provider, undoManager });
    provider.connect();
    return () => {
      window.removeEventListener('offline', wentOffline);
      awareness.off('change', countEditors);
      meta.unobserve(readLanguage);
      // Tells the others that this editor left (a null awareness state), then closes.
      provider.destroy();
      awareness.destroy(); // Its own timer renews the state every 15 s.
      undoManager.destroy();
      ydoc.destroy();
      setDoc(null);
    };
  }, [roomId, token, memberId, displayName]);

  const setLanguage = useCallback(
    (next: string) => {
      const ydoc = doc?.ytext.doc;
      if (!doc || !ydoc) return;
      // One transaction: the others see the language and its example arrive together.
      ydoc.transact(() => {
        ydoc.getMap(CODE_META).set('language', next);
        const code = codeAfterSwitch(doc.ytext.toJSON(), next);
        if (code === null) return;
        doc.ytext.delete(0, doc.ytext.length);
        doc.ytext.insert(0, code);
      });
    },
    [doc],
  );

  const insertExample = useCallback(() => {
    const example = exampleFor(language);
    if (!doc || example === undefined || doc.ytext.length > 0) return;
    doc.ytext.insert(0, example);
  }, [doc, language]);

  const retry = useCallback(() => {
    if (!doc) return;
    dispatch({ type: 'retry' });
    doc.provider.connect();
  }, [doc]);

  return { doc, status, language, setLanguage, insertExample, editors, retry };
}
