import type { Kysely } from 'kysely';
import type { WebImageStore } from '../WebImageStore.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './SqlDatabase.js';

/** The remote-image index in SQL (`web_images`); a URL fetched again points at its new bytes. */
export class SqlWebImageStore implements WebImageStore {
  private readonly db: Kysely<Database>;
  private readonly release: () => Promise<void>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.release = database.retain();
  }

  async get(urlKey: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('web_images')
      .select('sha256')
      .where('url_key', '=', urlKey)
      .executeTakeFirst();
    return row?.sha256;
  }

  async put(urlKey: string, sha256: string, at: number): Promise<void> {
    await this.db
      .insertInto('web_images')
      .values({ url_key: urlKey, sha256, created_at: at })
      .onConflict((oc) => oc.column('url_key').doUpdateSet({ sha256, created_at: at }))
      .execute();
  }

  async close(): Promise<void> {
    await this.release();
  }
}
