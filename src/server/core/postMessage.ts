import type { Message } from '../../protocol/schemas.js';
import type { MessageDraft } from '../storage/records.js';
import type { RoomkitContext } from './context.js';
import { messageView } from './views.js';

/**
 * Stores a message and, if it is new, publishes it as `message:new`: stored first, so no
 * transport ever shows a message the store lacks. Chat, files and system notices all post here.
 */
export async function postMessage(
  ctx: Pick<RoomkitContext, 'stores' | 'bus'>,
  draft: MessageDraft,
): Promise<{ message: Message; created: boolean }> {
  const { message, created } = await ctx.stores.messages.append(draft);
  const view = messageView(message);
  if (created)
    ctx.bus.publish({ roomId: draft.roomId, name: 'message:new', payload: { message: view } });
  return { message: view, created };
}
