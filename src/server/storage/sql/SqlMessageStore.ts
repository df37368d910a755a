import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { MessageType, Preview, Role } from '../../../protocol/schemas.js';
import type { MessagePage, MessageStore } from '../MessageStore.js';
import type { MessageDraft, MessageRecord } from '../records.js';
import type { Database, MessagesTable, SqlDialect } from './schema.js';
import { decodeText, encodeText } from './sqlText.js';
import type { SqlDatabase } from './SqlDatabase.js';
import { uniqueViolation } from './uniqueViolation.js';

/** A message's row before it has a seq. */
type MessageRow = Omit<MessagesTable, 'seq'>;

/**
 * Postgres's append: the room's counter bumped and the message inserted with its value, in one
 * statement (one round trip). A statement is atomic, so an insert that fails rolls the bump back
 * with it. A clientMsgId already stored makes the counter's insert select nothing: no bump, no
 * message, no row back. Parameters in the order of `appendParameters`.
 */
const APPEND_POSTGRES = `with counter as (
  insert into message_counters as c (room_id, last_seq)
  select $1, 1
  where $2::text is null or not exists (select from messages where room_id = $1 and client_key = $2)
  on conflict (room_id) do update set last_seq = c.last_seq + 1
  returning last_seq
)
insert into messages (room_id, client_key, seq, id, type, body, sender_id, sender_name,
  sender_role, created_at, client_msg_id, file_id, preview)
select $1, $2, last_seq, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 from counter
returning seq`;

const appendParameters = (row: MessageRow) => [
  row.room_id,
  row.client_key,
  row.id,
  row.type,
  row.body,
  row.sender_id,
  row.sender_name,
  row.sender_role,
  row.created_at,
  row.client_msg_id,
  row.file_id,
  row.preview,
];

/**
 * Message logs in SQL. A room's next seq comes from its row in `message_counters`, bumped
 * atomically with the insert: the row lock makes concurrent appends (from any number of
 * instances) wait their turn, and a failed insert rolls the counter back, so seqs stay gap-free.
 * A repeated clientMsgId is found before anything is written, or — sent twice at once — breaks
 * the unique `(room_id, client_key)` index; either way the first message is returned instead.
 */
export class SqlMessageStore implements MessageStore {
  private readonly db: Kysely<Database>;
  private readonly dialect: SqlDialect;
  private readonly release: () => Promise<void>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.dialect = database.dialect;
    this.release = database.retain();
  }

  async append(draft: MessageDraft): Promise<{ message: MessageRecord; created: boolean }> {
    const row = messageRow(draft);
    try {
      const seq =
        this.dialect === 'postgres'
          ? await this.appendInOneStatement(row)
          : await this.appendInTransaction(row);
      if (seq !== undefined) return { message: { ...draft, seq }, created: true };
    } catch (error) {
      // The same clientMsgId sent twice at once: the other append won.
      if (row.client_key === null || !uniqueViolation(error)?.includes('client_key')) throw error;
    }
    const seen = await this.findByClientKey(row);
    // Only if the room's messages were deleted between the two statements (the room ended).
    if (!seen) throw new Error(`message ${draft.id}: clientMsgId seen, but no message has it`);
    return { message: seen, created: false };
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

  async setPreview(
    roomId: string,
    seq: number,
    preview: Preview | null,
  ): Promise<MessageRecord | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set({ preview: preview === null ? null : encodeText(JSON.stringify(preview)) })
      .where('room_id', '=', roomId)
      .where('seq', '=', seq)
      .returningAll()
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

  /** Postgres: the seq, or undefined when the clientMsgId was stored before. */
  private async appendInOneStatement(row: MessageRow): Promise<number | undefined> {
    const result = await this.db.executeQuery<{ seq: number }>(
      CompiledQuery.raw(APPEND_POSTGRES, appendParameters(row)),
    );
    return result.rows[0]?.seq;
  }

  /**
   * SQLite, which has no data-modifying WITH: the same steps in a transaction. SQLite runs in
   * this process, so its statements cost no round trips.
   */
  private async appendInTransaction(row: MessageRow): Promise<number | undefined> {
    return this.db.transaction().execute(async (trx) => {
      if (row.client_key !== null && (await this.findByClientKey(row, trx))) return undefined;
      const counter = await trx
        .insertInto('message_counters')
        .values({ room_id: row.room_id, last_seq: 1 })
        .onConflict((oc) =>
          oc
            .column('room_id')
            .doUpdateSet((eb) => ({ last_seq: eb('message_counters.last_seq', '+', 1) })),
        )
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('messages')
        .values({ ...row, seq: counter.last_seq })
        .execute();
      return counter.last_seq;
    });
  }

  private async findByClientKey(
    row: Pick<MessageRow, 'room_id' | 'client_key'>,
    db: Kysely<Database> = this.db,
  ): Promise<MessageRecord | undefined> {
    if (row.client_key === null) return undefined;
    const found = await db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', row.room_id)
      .where('client_key', '=', row.client_key)
      .executeTakeFirst();
    return found && messageRecord(found);
  }
}

function messageRow(draft: MessageDraft): MessageRow {
  return {
    room_id: draft.roomId,
    id: draft.id,
    type: draft.type,
    body: encodeText(draft.body),
    sender_id: draft.sender?.id ?? null,
    sender_name: draft.sender?.displayName ?? null,
    sender_role: draft.sender?.role ?? null,
    created_at: draft.createdAt,
    client_msg_id: draft.clientMsgId ?? null,
    client_key:
      draft.clientMsgId === undefined ? null : `${draft.sender?.id ?? ''}/${draft.clientMsgId}`,
    file_id: draft.fileId ?? null,
    preview: draft.preview === undefined ? null : encodeText(JSON.stringify(draft.preview)),
  };
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
  if (row.preview !== null) message.preview = JSON.parse(decodeText(row.preview)) as Preview;
  return message;
}
