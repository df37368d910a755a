/** Worker side of httpLoad.ts: drives its share of the connections and reports once. */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { HttpLoadWorkerData, HttpLoadWorkerResult } from './httpLoad.js';

const { port, request, connections, warmupMs, durationMs, expectedBytes } =
  workerData as HttpLoadWorkerData;
const requestBytes = Buffer.from(request, 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n');

let latencies = new Float64Array(1 << 16);
let completed = 0;
let errors = 0;
let non2xx = 0;
let bytes = 0;
let measuring = false;
let running = true;

function record(ms: number): void {
  if (completed === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[completed++] = ms;
}

/** One keep-alive connection that sends the next request as soon as a response has ended. */
function drive(): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let pending: Buffer | undefined = undefined;
    let bodyLeft = -1;
    let status = 0;
    let bodyBytes = 0;
    let sentAt = 0;
    let sentWhileMeasuring = false;

    const send = () => {
      if (!running) {
        socket.end();
        return;
      }
      sentAt = performance.now();
      sentWhileMeasuring = measuring;
      socket.write(requestBytes);
    };
    const finish = () => {
      if (measuring && sentWhileMeasuring) {
        if (status < 200 || status >= 300) non2xx += 1;
        else if (expectedBytes !== undefined && bodyBytes !== expectedBytes) errors += 1;
        else {
          record(performance.now() - sentAt);
          bytes += bodyBytes;
        }
      }
      send();
    };

    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      const buffer = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
      pending = undefined;
      let offset = 0;
      while (offset < buffer.length) {
        if (bodyLeft < 0) {
          const end = buffer.indexOf(HEAD_END, offset);
          if (end === -1) {
            pending = buffer.subarray(offset);
            return;
          }
          const head = buffer.toString('latin1', offset, end);
          status = Number(head.slice(9, 12));
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (!length) {
            // Chunked or close-delimited bodies are not what these benchmarks serve.
            errors += 1;
            socket.destroy();
            return;
          }
          bodyLeft = Number(length[1]);
          bodyBytes = bodyLeft;
          offset = end + HEAD_END.length;
        }
        const take = Math.min(bodyLeft, buffer.length - offset);
        bodyLeft -= take;
        offset += take;
        if (bodyLeft === 0) {
          bodyLeft = -1;
          finish();
        }
      }
    });
    socket.on('error', () => {
      if (measuring) errors += 1;
    });
    socket.on('close', () => resolve());
  });
}

const connectionsDone = Promise.all(Array.from({ length: connections }, drive));
await new Promise((resolve) => setTimeout(resolve, warmupMs));
measuring = true;
const measuredFrom = performance.now();
const eluFrom = performance.eventLoopUtilization();
await new Promise((resolve) => setTimeout(resolve, durationMs));
measuring = false;
running = false;
const windowMs = performance.now() - measuredFrom;
const elu = performance.eventLoopUtilization(eluFrom).utilization;
await connectionsDone;
const result: HttpLoadWorkerResult = {
  completed,
  errors,
  non2xx,
  bytes,
  windowMs,
  elu,
  latencies: latencies.slice(0, completed),
};
parentPort?.postMessage(result, [result.latencies.buffer as ArrayBuffer]);
