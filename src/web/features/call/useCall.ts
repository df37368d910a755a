import { useEffect, useMemo, useSyncExternalStore, type Dispatch } from 'react';
import type { Call } from '../../../protocol/schemas.js';
import type { SavedMembership } from '../../lib/memberships.js';
import type { RoomSocket } from '../../lib/socket.js';
import type { RoomAction } from '../room/roomReducer.js';
import { CallController, exposeForTests, type CallSnapshot } from './CallController.js';

const idle: CallSnapshot = {
  joined: false,
  busy: false,
  microphone: false,
  camera: false,
  screen: false,
  local: { audio: null, camera: null, screen: null },
  peers: {},
  notice: null,
  microphones: [],
  cameras: [],
  microphoneId: null,
  cameraId: null,
};
const never = () => () => {};
const idleSnapshot = () => idle;

/**
 * The room's call for this page: one controller per room connection, fed the call as the room's
 * state has it, and read back as a snapshot that changes when anything in the call does.
 */
export function useCall(
  socket: RoomSocket | null,
  session: SavedMembership,
  call: Call,
  dispatch: Dispatch<RoomAction>,
): { controller: CallController | null; snapshot: CallSnapshot } {
  const { roomId, token } = session;
  const me = session.member.id;
  // Made without touching anything; `attach` connects it to the socket and the browser.
  const controller = useMemo(
    () =>
      socket &&
      new CallController({
        socket,
        roomId,
        token,
        me,
        onCall: (next) => dispatch({ type: 'call', call: next }),
      }),
    [socket, roomId, token, me, dispatch],
  );
  useEffect(() => {
    if (!controller) return;
    const detach = controller.attach();
    const hide = exposeForTests(controller);
    return () => {
      hide();
      detach();
    };
  }, [controller]);

  useEffect(() => {
    controller?.setCall(call);
  }, [controller, call]);

  const snapshot = useSyncExternalStore(
    controller?.subscribe ?? never,
    controller?.snapshot ?? idleSnapshot,
  );
  return { controller, snapshot };
}
