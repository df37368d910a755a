/**
 * A closed-loop HTTP/1.1 load generator in the spirit of autocannon: keep-alive connections on
 * raw sockets, one request in flight per connection, the response parsed just enough (status
 * line and Content-Length) to know where it ends. Far cheaper per request than fetch or
 * node:http's client, so on a small machine the server, not the client, is what saturates.
 */
import os from 'node:os';
import { firstMessage, startWorker } from './workers.js';
import { concat, summarize, type Summary } from './stats.js';

export interface HttpLoadOptions {
  port: number;
  path: string;
  headers?: Record<string, string>;
  connections: number;
  durationMs: number;
  /** Run before the measured window; its requests are not counted. */
  warmupMs: number;
  /** Every 2xx body must be this long, when given (a wrong body counts as an error). */
  expectedBytes?: number;
  /** Worker threads sharing the connections; default: cores − 1 (the server has the rest). */
  workers?: number;
}

export interface HttpLoadWorkerData {
  port: number;
  request: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  expectedBytes: number | undefined;
}

export interface HttpLoadWorkerResult {
  completed: number;
  errors: number;
  non2xx: number;
  bytes: number;
  windowMs: number;
  /** The worker's event-loop utilisation over the window: near 1, the client was the limit. */
  elu: number;
  latencies: Float64Array;
}

export interface HttpLoadResult {
  requests: number;
  errors: number;
  non2xx: number;
  reqPerSec: number;
  bytesPerSec: number;
  windowMs: number;
  /** The busiest load worker's event-loop utilisation. */
  clientElu: number;
  latencies: Float64Array;
  latency: Summary;
}

/** Cores − 1 (the server has the rest), at least one. */
export function defaultLoadWorkers(): number {
  return Math.max(1, os.cpus().length - 1);
}

export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const workers = options.workers ?? defaultLoadWorkers();
  const lines = Object.entries({
    host: `127.0.0.1:${options.port}`,
    connection: 'keep-alive',
    ...options.headers,
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  const request = `GET ${options.path} HTTP/1.1\r\n${lines.join('')}\r\n`;
  const results = await Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const share =
        Math.floor(options.connections / workers) + (i < options.connections % workers ? 1 : 0);
      const data: HttpLoadWorkerData = {
        port: options.port,
        request,
        connections: share,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        expectedBytes: options.expectedBytes,
      };
      return firstMessage<HttpLoadWorkerResult>(
        startWorker(new URL('./httpLoadWorker.ts', import.meta.url), data),
      );
    }),
  );
  const windowMs = Math.max(...results.map((r) => r.windowMs));
  const completed = results.reduce((sum, r) => sum + r.completed, 0);
  const bytes = results.reduce((sum, r) => sum + r.bytes, 0);
  const latencies = concat(results.map((r) => r.latencies));
  return {
    requests: completed,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    reqPerSec: (completed / windowMs) * 1000,
    bytesPerSec: (bytes / windowMs) * 1000,
    windowMs,
    clientElu: Math.max(...results.map((r) => r.elu)),
    latencies,
    latency: summarize(latencies),
  };
}
