/**
 * The schema's migrations, in code: one list for SQLite and Postgres, run at every start by
 * `migrate`. Kysely's Migrator records what ran (`kysely_migration`) and takes a lock first: on
 * Postgres an advisory lock, so two instances starting together on one database run each
 * migration once (postgres.test.ts starts two at once); on SQLite the server's one connection,
 * which is enough because one SQLite file serves one server. Never edit a migration that has
 * shipped; add one.
 */
import { Migrator, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { SqlDialect } from './schema.js';

function initial(dialect: SqlDialect): Migration {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rooms')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('join_code', 'text', (col) => col.notNull().unique())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('persistent', 'integer', (col) => col.notNull())
        .addColumn('empty_since', 'bigint')
        .execute();
      await db.schema
        .createTable('members')
        .addColumn('room_id', 'text', (col) =>
          col.notNull().references('rooms.id').onDelete('cascade'),
        )
        .addColumn('id', 'text', (col) => col.notNull())
        .addColumn('display_name', 'text', (col) => col.notNull())
        .addColumn('name_key', 'text', (col) => col.notNull())
        .addColumn('role', 'text', (col) => col.notNull())
        .addColumn('joined_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('members_pkey', ['room_id', 'id'])
        .addUniqueConstraint('members_name_key', ['room_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('message_counters')
        .addColumn('room_id', 'text', (col) => col.primaryKey())
        .addColumn('last_seq', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema
        .createTable('messages')
        .addColumn('room_id', 'text', (col) => col.notNull())
        .addColumn('seq', 'bigint', (col) => col.notNull())
        .addColumn('id', 'text', (col) => col.notNull().unique())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('body', 'text', (col) => col.notNull())
        .addColumn('sender_id', 'text')
        .addColumn('sender_name', 'text')
        .addColumn('sender_role', 'text')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('client_msg_id', 'text')
        .addColumn('client_key', 'text')
        .addColumn('file_id', 'text')
        .addPrimaryKeyConstraint('messages_pkey', ['room_id', 'seq'])
        .addUniqueConstraint('messages_client_key', ['room_id', 'client_key'])
        .execute();
      await db.schema
        .createTable('files')
        .addColumn('room_id', 'text', (col) => col.notNull())
        .addColumn('id', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('mime', 'text', (col) => col.notNull())
        .addColumn('size', 'bigint', (col) => col.notNull())
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('uploader_id', 'text', (col) => col.notNull())
        .addColumn('sha256', 'text', (col) => col.notNull())
        .addColumn('blob_key', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('files_pkey', ['room_id', 'id'])
        .execute();
      await db.schema
        .createIndex('files_room_created')
        .on('files')
        .columns(['room_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('doc_snapshots')
        .addColumn('room_id', 'text', (col) => col.primaryKey())
        .addColumn('snapshot', bytes, (col) => col.notNull())
        .execute();
      await withIdentity(db.schema.createTable('doc_updates'), dialect)
        .addColumn('room_id', 'text', (col) => col.notNull())
        .addColumn('data', bytes, (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('doc_updates_room')
        .on('doc_updates')
        .columns(['room_id', 'id'])
        .execute();
      await withIdentity(db.schema.createTable('exec_runs'), dialect)
        .addColumn('room_id', 'text', (col) => col.notNull())
        .addColumn('member_id', 'text', (col) => col.notNull())
        .addColumn('language', 'text', (col) => col.notNull())
        .addColumn('duration_ms', 'integer', (col) => col.notNull())
        .addColumn('exit_code', 'integer')
        .addColumn('timed_out', 'integer', (col) => col.notNull())
        .addColumn('truncated', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('exec_runs_room').on('exec_runs').column('room_id').execute();
      await db.schema
        .createIndex('exec_runs_created')
        .on('exec_runs')
        .column('created_at')
        .execute();
    },
  };
}

/** Accounts and their sessions (API.md, "Accounts"): global tables, keyed by no room. */
const accounts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('username', 'text', (col) => col.notNull())
      .addColumn('name_key', 'text', (col) => col.notNull().unique())
      .addColumn('password_hash', 'text', (col) => col.notNull())
      .addColumn('role', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createTable('account_sessions')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('token_hash', 'text', (col) => col.notNull().unique())
      .addColumn('user_agent', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('account_sessions_account')
      .on('account_sessions')
      .column('account_id')
      .execute();
  },
};

/**
 * Members that are accounts (API.md, "Accounts"): one member per account and room, found by
 * the account. NULLs never clash in a unique index, in SQLite or Postgres, so guests are free.
 */
const memberAccounts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('members').addColumn('account_id', 'text').execute();
    await db.schema
      .createIndex('members_room_account')
      .on('members')
      .columns(['room_id', 'account_id'])
      .unique()
      .execute();
    await db.schema.createIndex('members_account').on('members').column('account_id').execute();
  },
};

/**
 * Embedded rooms (API.md, "Embedding"): the integrator a room belongs to, and the integrator's
 * user each member is (one member per user and room) with the avatar its ticket named.
 */
const embed: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('rooms').addColumn('integrator_id', 'text').execute();
    await db.schema.alterTable('members').addColumn('external_id', 'text').execute();
    await db.schema.alterTable('members').addColumn('avatar_url', 'text').execute();
    await db.schema
      .createIndex('members_room_external')
      .on('members')
      .columns(['room_id', 'external_id'])
      .unique()
      .execute();
  },
};

/** Where each member has read up to, for the unread counts of `GET /api/me/rooms`. */
const memberReadSeq: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('members').addColumn('read_seq', 'bigint').execute();
  },
};

/**
 * Link previews: the card attached to a message, the room's settings for cards, and the index of checked remote images kept in
 * the blob store (the image proxy's second tier).
 */
const previews: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('messages').addColumn('preview', 'text').execute();
    await db.schema.alterTable('rooms').addColumn('link_previews', 'integer').execute();
    await db.schema.alterTable('rooms').addColumn('named_card', 'integer').execute();
    await db.schema
      .createTable('web_images')
      .addColumn('url_key', 'text', (col) => col.primaryKey())
      .addColumn('sha256', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
  },
};

/** The admin audit log (AuditStore): global, outliving the rooms it names. */
function auditLog(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await withIdentity(db.schema.createTable('audit_log'), dialect)
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('actor', 'text', (col) => col.notNull())
        .addColumn('action', 'text', (col) => col.notNull())
        .addColumn('target', 'text', (col) => col.notNull())
        .execute();
    },
  };
}

/** An `id` column numbering rows in insertion order: SQLite's rowid alias, Postgres' bigserial. */
function withIdentity<T extends string>(
  table: CreateTableBuilder<T, never>,
  dialect: SqlDialect,
): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'bigserial', (col) => col.primaryKey())
    : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
}

/**
 * Brings the database up to the latest schema; a no-op when it is there already. Throws the
 * first failing migration's error (on Postgres its changes are rolled back with it).
 */
export async function migrate(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () => ({
        '001_initial': initial(dialect),
        '002_accounts': accounts,
        '003_member_accounts': memberAccounts,
        '004_audit_log': auditLog(dialect),
        '005_member_read_seq': memberReadSeq,
        '006_embed': embed,
        '007_previews': previews,
      }),
    },
  });
  const { error } = await migrator.migrateToLatest();
  if (error instanceof Error) throw error;
  if (error !== undefined) throw new Error('migration failed', { cause: error });
}
