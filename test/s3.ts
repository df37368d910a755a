/**
 * A real S3-compatible server for tests (s3rver, on a free port with its own directory), and a
 * proxy in front of it that can answer 500 like a failing S3, to test retries and outages.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll } from 'vitest';
import type { Env } from '../src/server/config.js';

export const TEST_BUCKET = 'roomkit-test';
/** s3rver's built-in account. */
const KEY = 'S3RVER';

export interface TestS3 {
  endpoint: string;
  /** The variables that point a server at this S3 (through `endpoint`). */
  env(endpoint?: string): Partial<Record<keyof Env, string>>;
  settings(endpoint?: string): {
    endpoint: string;
    bucket: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
  };
  /** Every key in the bucket under `prefix`, sorted. */
  keys(prefix?: string): Promise<string[]>;
  /** Stops the server (its port then refuses connections). */
  stop(): Promise<void>;
}

export async function startS3(): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'roomkit-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: TEST_BUCKET }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const settings = (at = endpoint) => ({
    endpoint: at,
    bucket: TEST_BUCKET,
    region: 'us-east-1',
    accessKeyId: KEY,
    secretAccessKey: KEY,
    forcePathStyle: true,
  });
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEY, secretAccessKey: KEY },
  });
  let stopped = false;
  return {
    endpoint,
    settings,
    env: (at = endpoint) => ({
      BLOB_STORE: 's3',
      S3_ENDPOINT: at,
      S3_BUCKET: TEST_BUCKET,
      S3_ACCESS_KEY_ID: KEY,
      S3_SECRET_ACCESS_KEY: KEY,
      S3_FORCE_PATH_STYLE: 'true',
    }),
    async keys(prefix = '') {
      // The first listing API, paged by marker: s3rver fails (500) on a truncated ListObjectsV2.
      const keys: string[] = [];
      for (;;) {
        const page = await client.send(
          new ListObjectsCommand({ Bucket: TEST_BUCKET, Prefix: prefix, Marker: keys.at(-1) }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        if (!page.IsTruncated) return keys.sort();
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface FaultyProxy {
  endpoint: string;
  /** Answer 500 to the next `count` requests (Infinity: until told otherwise), then pass again. */
  fail(count: number): void;
  /** Requests seen, as `METHOD path?query`, failed or not. */
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP proxy to `target` that answers S3's InternalError (500) when told to. */
export async function faultyProxy(target: string): Promise<FaultyProxy> {
  const upstream = new URL(target);
  let failing = 0;
  const requests: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    if (failing > 0) {
      failing--;
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>' +
            '<Message>We encountered an internal error. Please try again.</Message></Error>',
        );
      });
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    fail(count) {
      failing = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * s3rver and a faulty proxy in front of it, started once for the calling test file
 * (beforeAll/afterAll); read `s3` and `proxy` inside tests.
 */
export function useS3(): { readonly s3: TestS3; readonly proxy: FaultyProxy } {
  const started: { s3?: TestS3; proxy?: FaultyProxy } = {};
  beforeAll(async () => {
    started.s3 = await startS3();
    started.proxy = await faultyProxy(started.s3.endpoint);
  });
  afterAll(async () => {
    await started.proxy?.close();
    await started.s3?.stop();
  });
  return {
    get s3() {
      if (!started.s3) throw new Error('S3 is not started yet');
      return started.s3;
    },
    get proxy() {
      if (!started.proxy) throw new Error('the proxy is not started yet');
      return started.proxy;
    },
  };
}
