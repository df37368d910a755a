/**
 * The bare baseline for Roomkit's call signalling: node:http + Socket.IO with default options,
 * relaying `signal { to, type, data }` as `signal { from, type, data }` to the sockets of the
 * member `to` names, and acking `{ ok: true }` — the least a Socket.IO signalling server can do.
 * A socket says who it is in its handshake (`auth: { member }`, no token, no check) and joins
 * its member's room; nothing is validated, limited or looked up.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

type Ack = (reply: { ok: true }) => void;

/** Starts the server on 127.0.0.1 and a free port. */
export async function startSignalSocketIo(): Promise<{ port: number; close(): Promise<void> }> {
  const http = createServer((_request, response) => response.writeHead(404).end());
  const io = new Server(http, { serveClient: false });
  io.on('connection', (socket) => {
    const { member } = socket.handshake.auth as { member?: unknown };
    if (typeof member !== 'string') {
      socket.disconnect(true);
      return;
    }
    void socket.join(`member:${member}`);
    socket.on('signal', (payload: { to: string; type: string; data: unknown }, ack: Ack) => {
      io.to(`member:${payload.to}`).emit('signal', {
        from: member,
        type: payload.type,
        data: payload.data,
      });
      if (typeof ack === 'function') ack({ ok: true });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        void io.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
