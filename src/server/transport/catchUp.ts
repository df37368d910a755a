import type { RoomState } from '../../protocol/schemas.js';
import type { RoomkitContext } from '../core/context.js';
import type { Membership } from '../core/Membership.js';
import type { MessageStore } from '../storage/MessageStore.js';
import type { MessageRecord } from '../storage/records.js';

/** Messages read from the store at a time when a replay has no limit: one page is held at once. */
const PAGE = 200;

export interface CatchUp {
  /** `room:state`, with `messages: []` when `missed` carries them instead. */
  state: RoomState;
  /** The seq the replay starts after; undefined when the snapshot's own messages stand. */
  after: number | undefined;
  /** The messages after `after`, oldest first, a page at a time; none without a replay. */
  missed: AsyncIterable<MessageRecord[]>;
}

/**
 * What a (re)connecting member is sent first: the room's state and, for a client that says which
 * seq it has, the messages after it in place of the snapshot's own, so none arrives twice and none
 * is skipped. A resume point past the newest message (stale, or made up) counts as the newest:
 * it must not hide the messages that come next. More missed than `replayMax`: the ordinary
 * snapshot, and the client pages back through the history for the gap.
 */
export async function catchUp(
  ctx: Pick<RoomkitContext, 'rooms' | 'stores'>,
  membership: Membership,
  afterSeq: number | undefined,
  options: { replayMax?: number } = {},
): Promise<CatchUp> {
  const state = await ctx.rooms.state(membership);
  if (afterSeq === undefined) return { state, after: undefined, missed: noMessages() };
  const after = Math.min(afterSeq, state.messages.at(-1)?.seq ?? 0);
  const missed = await missedMessages(
    ctx.stores.messages,
    membership.room.id,
    after,
    options.replayMax,
  );
  if (missed === undefined) return { state, after: undefined, missed: noMessages() };
  return { state: { ...state, messages: [] }, after, missed };
}

/**
 * A room's messages after `afterSeq`, oldest first, a page at a time from the store; undefined
 * when there are more than `max`.
 */
export async function missedMessages(
  messages: MessageStore,
  roomId: string,
  afterSeq: number,
  max?: number,
): Promise<AsyncIterable<MessageRecord[]> | undefined> {
  const first = await messages.listAfter(roomId, afterSeq, max ?? PAGE);
  if (max !== undefined && first.hasMore) return undefined;
  return (async function* pages() {
    let page = first;
    yield page.messages;
    while (page.hasMore) {
      const last = page.messages.at(-1)?.seq ?? afterSeq;
      page = await messages.listAfter(roomId, last, PAGE);
      yield page.messages;
    }
  })();
}

async function* noMessages(): AsyncIterable<MessageRecord[]> {}
