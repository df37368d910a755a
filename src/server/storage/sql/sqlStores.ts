import type { Stores } from '../Stores.js';
import { SqlAccountStore } from './SqlAccountStore.js';
import { SqlAuditStore } from './SqlAuditStore.js';
import type { SqlDatabase } from './SqlDatabase.js';
import { SqlDocStore } from './SqlDocStore.js';
import { SqlExecRunStore } from './SqlExecRunStore.js';
import { SqlFileStore } from './SqlFileStore.js';
import { SqlMessageStore } from './SqlMessageStore.js';
import { SqlRoomStore } from './SqlRoomStore.js';
import { SqlWebImageStore } from './SqlWebImageStore.js';

/** The SQL drivers of every store but the blobs, sharing one database; closing them all closes it. */
export function sqlStores(database: SqlDatabase): Omit<Stores, 'blobs'> {
  return {
    rooms: new SqlRoomStore(database),
    messages: new SqlMessageStore(database),
    files: new SqlFileStore(database),
    docs: new SqlDocStore(database),
    execRuns: new SqlExecRunStore(database),
    accounts: new SqlAccountStore(database),
    audit: new SqlAuditStore(database),
    webImages: new SqlWebImageStore(database),
  };
}
