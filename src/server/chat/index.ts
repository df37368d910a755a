import { chatClientEvents } from '../../protocol/chat.js';
import type { Feature } from '../kernel/Feature.js';
import { chatEvents } from './chat.events.js';
import { chatRoutes } from './chat.routes.js';
import { ChatService } from './ChatService.js';

declare module '../kernel/services.js' {
  interface Services {
    /** Posting to a room's timeline (files and exec announce their work there). */
    chat: ChatService;
  }
}

/**
 * Chat: messages over HTTP and Socket.IO, typing, history, join/leave notices. Owns the room's
 * messages and contributes `room:state.messages`.
 */
export const chat: Feature = {
  name: 'chat',
  async install({ core, http, socket, provide }) {
    const service = new ChatService(core);
    await http(chatRoutes(core, service));
    socket(chatClientEvents, chatEvents(service));
    provide('chat', service);
  },
};
