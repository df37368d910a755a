import { memoryStores } from './memoryStores.js';
import { MemoryAccountant } from '../../core/MemoryAccountant.js';
import { describeStoreContract } from '../storeContract.js';

describeStoreContract('memory', async () => {
  const accountant = new MemoryAccountant(64 * 1024 * 1024);
  return memoryStores(accountant);
});
