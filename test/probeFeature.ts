/**
 * A feature that exists only in tests, installed through the kernel alone (AppOptions'
 * `extraFeatures`): routes, a socket event, room hooks, a slice of `room:state`, a service and
 * a shutdown step. Nothing outside this file names it — the proof that a feature needs no edit
 * elsewhere.
 */
import { z } from 'zod';
import { clientEvent } from '../src/protocol/clientEvent.js';
import type { Feature } from '../src/server/kernel/Feature.js';
import { requireMember } from '../src/server/http/auth/preHandlers.js';

/** What the probe saw, for the test to assert on. */
export interface ProbeLog {
  /** Per ended room: the messages and files the `closing` hook could still read. */
  closing: { roomId: string; messages: string[]; files: string[] }[];
  /** Per ended room: what was left when `closed` ran. */
  closed: { roomId: string; messages: number; files: number }[];
  joined: string[];
  shutdown: string[];
}

export const probeClientEvents = {
  'probe:shout': clientEvent(z.strictObject({ word: z.string().min(1).max(20) })).acks<{
    shouted: string;
    by: string;
  }>(),
};

declare module '../src/server/kernel/services.js' {
  interface Services {
    probe: ProbeLog;
  }
}

declare module '../src/server/core/RoomService.js' {
  interface StateSlices {
    probe?: { joins: number };
  }
}

/** The probe; `log` records what it saw. It needs chat and posts to it on every shout. */
export function probeFeature(log: ProbeLog): Feature {
  return {
    name: 'probe',
    needs: ['chat'],
    async install({ core, http, socket, provide, use, onShutdown }) {
      const chat = use('chat');
      const { rooms, stores } = core;

      rooms.on('joined', (_room, member) => {
        log.joined.push(member.displayName);
      });
      rooms.on('closing', async (room) => {
        const page = await stores.messages.listBefore(room.id, undefined, 100);
        const files = await stores.files.listFiles(room.id);
        log.closing.push({
          roomId: room.id,
          messages: page.messages.map((m) => m.body),
          files: files.map((f) => f.name),
        });
      });
      rooms.on('closed', async (roomId) => {
        const page = await stores.messages.listBefore(roomId, undefined, 100);
        const files = await stores.files.listFiles(roomId);
        log.closed.push({ roomId, messages: page.messages.length, files: files.length });
      });
      rooms.contributeState('probe', async ({ room }) => ({
        joins: (await stores.rooms.listMembers(room.id)).length,
      }));

      await http(async (app) => {
        app.get('/api/rooms/:roomId/probe', { preHandler: requireMember() }, async (request) => ({
          member: request.member.membership.member.displayName,
          joined: log.joined,
        }));
      });
      socket(probeClientEvents, (_socket, handle) => {
        handle('probe:shout', async ({ room, member }, { word }) => {
          await chat.post({
            id: `probe-${Date.now()}-${Math.random()}`,
            roomId: room.id,
            type: 'system',
            body: `${member.displayName} shouted ${word.toUpperCase()}`,
            sender: null,
            createdAt: core.clock.now(),
          });
          return { shouted: word.toUpperCase(), by: member.displayName };
        });
      });
      provide('probe', log);
      onShutdown('services', () => {
        log.shutdown.push('probe');
      });
    },
  };
}
