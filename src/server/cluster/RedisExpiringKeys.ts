import type { Redis } from 'ioredis';
import type { ExpiringKeys } from '../core/ExpiringKeys.js';

/** Expiring keys every instance shares: `SET NX PX`, `DEL` and `EXISTS` under the deployment's prefix. */
export class RedisExpiringKeys implements ExpiringKeys {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async add(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.prefix + key, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }

  async hasAny(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    return (await this.redis.exists(...keys.map((key) => this.prefix + key))) > 0;
  }
}
