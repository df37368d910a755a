/**
 * The Postgres driver against a real server (test/postgres.ts): each run makes its own database
 * and drops it afterwards; skipped where there is no Postgres. Besides the contract: two
 * instances migrating one fresh database at once, gap-free seqs when appends come from two
 * separate pools (two instances) at once, and none lost to an append that fails.
 */
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresAdmin, usePostgres } from '../../../../test/postgres.js';
import { lacks } from '../../../../test/requirements.js';
import { MemoryAccountant } from '../../core/MemoryAccountant.js';
import { MemoryBlobStore } from '../memory/MemoryBlobStore.js';
import { describeStoreContract } from '../storeContract.js';
import { openSqlDatabase } from './SqlDatabase.js';
import { sqlStores } from './sqlStores.js';

const freshDatabase = usePostgres();
const admin = postgresAdmin;

describe.skipIf(lacks('postgres'))('postgres driver', () => {
  let contractUrl: string;
  beforeAll(async () => {
    contractUrl = await freshDatabase();
  });

  describeStoreContract('postgres', async () => {
    const database = await openSqlDatabase(contractUrl);
    return {
      ...sqlStores(database),
      blobs: new MemoryBlobStore(new MemoryAccountant(64 * 1024 * 1024)),
    };
  });

  describe('postgres database', () => {
    it('runs the migrations once when two instances start on a fresh database at once', async () => {
      const url = await freshDatabase();
      const [a, b] = await Promise.all([openSqlDatabase(url), openSqlDatabase(url)]);
      try {
        const ran = await admin(async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            return (await client.query('select name from kysely_migration order by name')).rows;
          } finally {
            await client.end();
          }
        });
        expect(ran).toEqual([
          { name: '001_initial' },
          { name: '002_accounts' },
          { name: '003_member_accounts' },
          { name: '004_audit_log' },
          { name: '005_member_read_seq' },
          { name: '006_embed' },
          { name: '007_previews' },
        ]);
        // Both work on the one schema.
        const storesA = sqlStores(a);
        const storesB = sqlStores(b);
        await storesA.messages.append({
          id: 'a1',
          roomId: 'shared',
          type: 'text',
          body: 'from a',
          sender: null,
          createdAt: 1,
        });
        const fromB = await storesB.messages.listBefore('shared', undefined, 10);
        expect(fromB.messages.map((m) => m.body)).toEqual(['from a']);
      } finally {
        await Promise.all([a.destroy(), b.destroy()]);
      }
    });

    it('gives no seq to an append that fails', async () => {
      const database = await openSqlDatabase(await freshDatabase());
      try {
        const { messages } = sqlStores(database);
        const draft = (id: string) => ({
          id,
          roomId: 'room',
          type: 'text' as const,
          body: id,
          sender: null,
          createdAt: 1,
        });
        await messages.append(draft('m1'));
        // A message id is unique: the insert fails after the room's counter was bumped.
        await expect(messages.append(draft('m1'))).rejects.toThrow();
        const { message } = await messages.append(draft('m2'));
        expect(message.seq).toBe(2);
      } finally {
        await database.destroy();
      }
    });

    it('keeps seqs gap-free when two instances append to one room at once', async () => {
      const url = await freshDatabase();
      const a = await openSqlDatabase(url);
      const b = await openSqlDatabase(url);
      try {
        const [storesA, storesB] = [sqlStores(a), sqlStores(b)];
        const appends = Array.from({ length: 60 }, (_, i) =>
          (i % 2 === 0 ? storesA : storesB).messages.append({
            id: `m${i}`,
            roomId: 'busy',
            type: 'text',
            body: `m${i}`,
            sender: { id: 'ada', displayName: 'Ada', role: 'owner' },
            createdAt: i,
            // Every third append repeats an earlier clientMsgId from the other instance.
            clientMsgId: `c${i % 3 === 2 ? i - 1 : i}`,
          }),
        );
        const results = await Promise.all(appends);
        const createdSeqs = results
          .filter((result) => result.created)
          .map((result) => result.message.seq)
          .sort((x, y) => x - y);
        expect(createdSeqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        const stored = await storesA.messages.listAfter('busy', 0, 100);
        expect(stored.messages.map((m) => m.seq)).toEqual(createdSeqs);
      } finally {
        await Promise.all([a.destroy(), b.destroy()]);
      }
    });
  });
});
