import type { SocketFeature } from '../transport/socketHandlers.js';
import type { ChatService } from './ChatService.js';

/** Chat over Socket.IO: `message:send` (acked with the stored message) and `typing`. */
export function chatEvents(chat: ChatService): SocketFeature {
  return (_socket, handle) => {
    handle('message:send', async (session, body) => {
      const { message } = await chat.send(session, body);
      return { message };
    });
    handle('typing', (session, { active }) => {
      chat.typing(session, active);
      return {};
    });
  };
}
