import type { AccountStore } from './AccountStore.js';
import type { AuditStore } from './AuditStore.js';
import type { BlobStore } from './BlobStore.js';
import type { DocStore } from './DocStore.js';
import type { ExecRunStore } from './ExecRunStore.js';
import type { FileStore } from './FileStore.js';
import type { MessageStore } from './MessageStore.js';
import type { RoomStore } from './RoomStore.js';
import type { WebImageStore } from './WebImageStore.js';

/** The stores of one server, as its drivers were chosen by configuration. */
export interface Stores {
  rooms: RoomStore;
  messages: MessageStore;
  files: FileStore;
  blobs: BlobStore;
  /** Each room's collaborative document (Yjs updates). */
  docs: DocStore;
  /** The execution log. */
  execRuns: ExecRunStore;
  /** Accounts and their sessions: global, so always on the durable side when there is one. */
  accounts: AccountStore;
  /** The admin audit log: global, never routed by room. */
  audit: AuditStore;
  /** Which checked image each remote URL gave: global, durable with a database. */
  webImages: WebImageStore;
}

export async function closeStores(stores: Stores): Promise<void> {
  await Promise.all([
    stores.rooms.close(),
    stores.messages.close(),
    stores.files.close(),
    stores.blobs.close(),
    stores.docs.close(),
    stores.execRuns.close(),
    stores.accounts.close(),
    stores.audit.close(),
    stores.webImages.close(),
  ]);
}
