import type { Kysely, Selectable } from 'kysely';
import type { MessageType, Role } from '../../../protocol/schemas.js';
import type { MessagePage, MessageStore } from '../MessageStore.js';
import type { MessageDraft, MessageRecord } from '../records.js';
import type { Database, MessagesTable } from './schema.js';
import { decodeText, encodeText } from './sqlText.js';
import type { SqlDatabase } from './SqlDatabase.js';
import { uniqueViolation } from './uniqueViolation.js';

/**
 * Message logs in SQL. A room's next seq comes from its row in `message_counters`, bumped in the
 * same transaction as the insert: the row lock makes concurrent appends (from any number of
 * instances) wait their turn, and a failed insert rolls the counter back, so seqs stay gap-free.
 * A repeated clientMsgId breaks the unique `(room_id, client_key)` index and the first message
 * is returned instead.
 */
export class SqlMessageStore implements MessageStore {
  private readonly db: Kysely<Database>;
  private readonly release: () => Promise<void>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.release = database.retain();
  }

  async append(draft: MessageDraft): Promise<{ message: MessageRecord; created: boolean }> {
    const clientKey =
      draft.clientMsgId === undefined ? null : `${draft.sender?.id ?? ''}/${draft.clientMsgId}`;
    if (clientKey !== null) {
      const seen = await this.findByClientKey(draft.roomId, clientKey);
      if (seen) return { message: seen, created: false };
    }
    try {
      const seq = await this.db.transaction().execute(async (trx) => {
        const counter = await trx
          .insertInto('message_counters')
          .values({ room_id: draft.roomId, last_seq: 1 })
          .onConflict((oc) =>
            oc
              .column('room_id')
              .doUpdateSet((eb) => ({ last_seq: eb('message_counters.last_seq', '+', 1) })),
          )
          .returning('last_seq')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('messages')
          .values({
            room_id: draft.roomId,
            seq: counter.last_seq,
            id: draft.id,
            type: draft.type,
            body: encodeText(draft.body),
            sender_id: draft.sender?.id ?? null,
            sender_name: draft.sender?.displayName ?? null,
            sender_role: draft.sender?.role ?? null,
            created_at: draft.createdAt,
            client_msg_id: draft.clientMsgId ?? null,
            client_key: clientKey,
            file_id: draft.fileId ?? null,
          })
          .execute();
        return counter.last_seq;
      });
      return { message: { ...draft, seq }, created: true };
    } catch (error) {
      // The same clientMsgId sent twice at once: the other append won.
      if (clientKey !== null && uniqueViolation(error)?.includes('client_key')) {
        const seen = await this.findByClientKey(draft.roomId, clientKey);
        if (seen) return { message: seen, created: false };
      }
      throw error;
    }
  }

  async listBefore(
    roomId: string,
    before: number | undefined,
    limit: number,
  ): Promise<MessagePage> {
    let query = this.db.selectFrom('messages').selectAll().where('room_id', '=', roomId);
    if (before !== undefined) query = query.where('seq', '<', before);
    // One more than asked tells whether older messages exist.
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    const hasMore = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(messageRecord), hasMore };
  }

  async listAfter(roomId: string, after: number, limit: number): Promise<MessagePage> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    return { messages: rows.slice(0, limit).map(messageRecord), hasMore: rows.length > limit };
  }

  async getMessage(roomId: string, messageId: string): Promise<MessageRecord | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('id', '=', messageId)
      .executeTakeFirst();
    return row && messageRecord(row);
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('messages').where('room_id', '=', roomId).execute();
      await trx.deleteFrom('message_counters').where('room_id', '=', roomId).execute();
    });
  }

  async close(): Promise<void> {
    await this.release();
  }

  private async findByClientKey(
    roomId: string,
    clientKey: string,
  ): Promise<MessageRecord | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('client_key', '=', clientKey)
      .executeTakeFirst();
    return row && messageRecord(row);
  }
}

function messageRecord(row: Selectable<MessagesTable>): MessageRecord {
  const message: MessageRecord = {
    id: row.id,
    roomId: row.room_id,
    seq: row.seq,
    type: row.type as MessageType,
    body: decodeText(row.body),
    sender:
      row.sender_id === null
        ? null
        : {
            id: row.sender_id,
            displayName: row.sender_name ?? '',
            role: (row.sender_role ?? 'member') as Role,
          },
    createdAt: row.created_at,
  };
  if (row.client_msg_id !== null) message.clientMsgId = row.client_msg_id;
  if (row.file_id !== null) message.fileId = row.file_id;
  return message;
}
