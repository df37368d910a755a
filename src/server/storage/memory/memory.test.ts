import { describeStoreContract } from '../storeContract.js';
import { MemoryMessageStore } from './MemoryMessageStore.js';
import { MemoryRoomStore } from './MemoryRoomStore.js';

describeStoreContract('memory', async () => ({
  rooms: new MemoryRoomStore(),
  messages: new MemoryMessageStore(),
}));
