import type { callsClientEvents } from '../../protocol/calls.js';
import type { SocketFeature } from '../transport/socketHandlers.js';
import type { CallService } from './CallService.js';

/** Calls over Socket.IO: joining, leaving and changing one's part, signals and quality reports. */
export function callsEvents(calls: CallService): SocketFeature<typeof callsClientEvents> {
  return (_socket, handle) => {
    handle('call:join', async (membership, input) => ({
      call: await calls.join(membership, input),
    }));
    handle('call:update', async (membership, input) => ({
      call: await calls.update(membership, input),
    }));
    handle('call:leave', async (membership) => {
      await calls.leaveCall(membership);
      return {};
    });
    handle('signal', async (membership, input) => {
      await calls.signal(membership, input);
      return {};
    });
    handle('call:quality', (membership, input) => {
      calls.reportQuality(membership, input);
      return Promise.resolve({});
    });
  };
}
