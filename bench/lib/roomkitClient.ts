/** A Roomkit client for the benchmarks: rooms and members over REST, real Socket.IO sockets. */
import { io, type Socket } from 'socket.io-client';

export interface Member {
  token: string;
  roomId: string;
  memberId: string;
}

/** A JSON POST; throws with the status and body unless it succeeded. */
export async function postJson(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json: any = await response.json();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** A new room with one member per name (the first one owns it). */
export async function roomWith(base: string, ...names: string[]): Promise<Member[]> {
  const { room } = await postJson(`${base}/api/rooms`, {});
  const members: Member[] = [];
  for (const displayName of names) {
    const joined = await postJson(`${base}/api/rooms/join`, { roomId: room.id, displayName });
    members.push({ token: joined.token, roomId: room.id, memberId: joined.member.id });
  }
  return members;
}

/**
 * A websocket-only Socket.IO client, resolved once connected (and, for Roomkit, once `room:state`
 * has arrived, which is when the server has finished setting the socket up).
 */
export function connect(
  base: string,
  auth: Record<string, unknown>,
  options: { waitForState?: boolean } = {},
): Promise<Socket> {
  const socket = io(base, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not connect')), 10_000);
    const done = () => {
      clearTimeout(timer);
      resolve(socket);
    };
    if (options.waitForState) socket.once('room:state', done);
    else socket.once('connect', done);
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves with the first `event` whose payload satisfies `match`. */
export function nextEvent(
  socket: Socket,
  event: string,
  match: (payload: any) => boolean,
  timeoutMs = 120_000,
): Promise<any> {
  return new Promise((resolve, reject) => {
    const listener = (payload: any) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, listener);
  });
}

export interface UploadResult {
  ok: boolean;
  /** HTTP status, or 200/the error's status equivalent for socket acks. */
  status: number;
  code?: string;
  body: any;
}

/** `file:upload` with the bytes as a binary attachment; resolves with the ack. */
export async function uploadOverSocket(
  socket: Socket,
  name: string,
  data: Buffer,
  timeoutMs = 120_000,
): Promise<UploadResult> {
  const ack: any = await socket.timeout(timeoutMs).emitWithAck('file:upload', { name, data });
  return { ok: ack?.ok === true, status: ack?.ok ? 200 : 0, code: ack?.error?.code, body: ack };
}

/** A multipart POST of the bytes in the field "file", as the web client sends it. */
export async function uploadOverHttp(
  url: string,
  token: string | undefined,
  name: string,
  data: Buffer,
  type = 'image/jpeg',
): Promise<UploadResult> {
  const form = new FormData();
  // Buffer is a Uint8Array; the cast only widens its buffer's type, nothing is copied.
  form.append('file', new Blob([data as Uint8Array<ArrayBuffer>], { type }), name);
  const response = await fetch(url, {
    method: 'POST',
    body: form,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { ok: response.ok, status: response.status, code: body?.error?.code, body };
}

export function filesUrl(base: string, member: Member): string {
  return `${base}/api/rooms/${member.roomId}/files`;
}

export async function getBytes(url: string, token: string): Promise<Buffer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
