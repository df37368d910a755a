import type { execClientEvents } from '../../protocol/exec.js';
import type { SocketFeature } from '../transport/socketHandlers.js';
import type { ExecService } from './ExecService.js';

/** Code execution over Socket.IO: `exec:run`, acked with the result. */
export function execEvents(exec: ExecService): SocketFeature<typeof execClientEvents> {
  return (_socket, handle) => {
    handle('exec:run', async (membership, input) => ({
      result: await exec.run(membership, input),
    }));
  };
}
