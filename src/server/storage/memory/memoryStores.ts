import type { MemoryAccountant } from '../../core/MemoryAccountant.js';
import type { Stores } from '../Stores.js';
import { MemoryAccountStore } from './MemoryAccountStore.js';
import { MemoryAuditStore } from './MemoryAuditStore.js';
import { MemoryBlobStore } from './MemoryBlobStore.js';
import { MemoryDocStore } from './MemoryDocStore.js';
import { MemoryExecRunStore } from './MemoryExecRunStore.js';
import { MemoryFileStore } from './MemoryFileStore.js';
import { MemoryMessageStore } from './MemoryMessageStore.js';
import { MemoryRoomStore } from './MemoryRoomStore.js';
import { MemoryWebImageStore } from './MemoryWebImageStore.js';

/** Stores in RAM, whose blobs can be listed (a kept room's move to the database copies them). */
export interface MemoryStores extends Stores {
  blobs: MemoryBlobStore;
}

/** Every store in RAM; blobs and documents are counted by `accountant`. */
export function memoryStores(accountant: MemoryAccountant): MemoryStores {
  return {
    rooms: new MemoryRoomStore(),
    messages: new MemoryMessageStore(),
    files: new MemoryFileStore(),
    blobs: new MemoryBlobStore(accountant),
    docs: new MemoryDocStore(accountant),
    execRuns: new MemoryExecRunStore(),
    accounts: new MemoryAccountStore(),
    audit: new MemoryAuditStore(),
    webImages: new MemoryWebImageStore(),
  };
}
