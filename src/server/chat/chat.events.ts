import type { chatClientEvents } from '../../protocol/chat.js';
import type { SocketFeature } from '../transport/socketHandlers.js';
import type { ChatService } from './ChatService.js';

/** Chat over Socket.IO: `message:send` (acked with the stored message) and `typing`. */
export function chatEvents(chat: ChatService): SocketFeature<typeof chatClientEvents> {
  return (_socket, handle) => {
    handle('message:send', async (membership, body) => {
      const { message } = await chat.send(membership, body);
      return { message };
    });
    handle('typing', (membership, { active }) => {
      chat.typing(membership, active);
      return {};
    });
  };
}
