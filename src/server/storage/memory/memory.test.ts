import { MemoryAccountant } from '../../core/MemoryAccountant.js';
import { describeStoreContract } from '../storeContract.js';
import { MemoryBlobStore } from './MemoryBlobStore.js';
import { MemoryDocStore } from './MemoryDocStore.js';
import { MemoryFileStore } from './MemoryFileStore.js';
import { MemoryMessageStore } from './MemoryMessageStore.js';
import { MemoryRoomStore } from './MemoryRoomStore.js';

describeStoreContract('memory', async () => {
  const accountant = new MemoryAccountant(64 * 1024 * 1024);
  return {
    rooms: new MemoryRoomStore(),
    messages: new MemoryMessageStore(),
    files: new MemoryFileStore(),
    blobs: new MemoryBlobStore(accountant),
    docs: new MemoryDocStore(accountant),
  };
});
