import type { Redis } from 'ioredis';
import type { ClusterChannel } from '../core/ClusterChannel.js';

/**
 * ClusterChannel over Redis pub/sub: one channel per topic (`<prefix>channel:<topic>`), each
 * message led by the sending instance's id and a newline so an instance skips its own. Pub/sub
 * keeps nothing, which suits messages that are worthless once late (a Yjs update is caught up
 * by a sync instead); the subscriber's reconnection is `onResume`.
 */
export class RedisChannel implements ClusterChannel {
  private readonly listeners = new Map<string, Set<(message: Uint8Array) => void>>();
  private readonly resumeListeners = new Set<() => void>();
  private readonly origin: Buffer;
  private readyOnce = false;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly options: {
      instanceId: string;
      keyPrefix: string;
      onError: (error: Error) => void;
    },
  ) {
    this.origin = Buffer.from(`${options.instanceId}\n`);
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.deliver(channel, message),
    );
    subscriber.on('ready', () => {
      // The first 'ready' is the start; any later one follows a lost connection.
      if (this.readyOnce) for (const listener of this.resumeListeners) listener();
      this.readyOnce = true;
    });
    if (subscriber.status === 'ready') this.readyOnce = true;
  }

  publish(topic: string, message: Uint8Array): void {
    this.publisher
      .publish(this.channel(topic), Buffer.concat([this.origin, message]))
      .catch((error: unknown) => this.options.onError(error as Error));
  }

  subscribe(topic: string, listener: (message: Uint8Array) => void): () => void {
    let listeners = this.listeners.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(topic, listeners);
      this.subscriber
        .subscribe(this.channel(topic))
        .catch((error: unknown) => this.options.onError(error as Error));
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        this.listeners.delete(topic);
        this.subscriber.unsubscribe(this.channel(topic)).catch(() => {});
      }
    };
  }

  onResume(listener: () => void): () => void {
    this.resumeListeners.add(listener);
    return () => this.resumeListeners.delete(listener);
  }

  private deliver(channel: Buffer, message: Buffer): void {
    const name = channel.toString();
    const topic = name.slice(this.channel('').length);
    const listeners = this.listeners.get(topic);
    if (!listeners || message.subarray(0, this.origin.length).equals(this.origin)) return;
    const newline = message.indexOf(0x0a);
    if (newline < 0) return;
    const payload = message.subarray(newline + 1);
    for (const listener of listeners) {
      try {
        listener(payload);
      } catch (error) {
        this.options.onError(error as Error);
      }
    }
  }

  private channel(topic: string): string {
    return `${this.options.keyPrefix}channel:${topic}`;
  }
}
