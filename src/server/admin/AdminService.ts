import type {
  AdminExecRun,
  AdminRoom,
  AdminRoomDetail,
  AdminStats,
  AuditEntry,
} from '../../protocol/admin.js';
import type { Call } from '../../protocol/calls.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import type { ExpiringKeys } from '../core/ExpiringKeys.js';
import { roomView } from '../core/presenters.js';
import type { Services } from '../kernel/services.js';
import type { RoomRecord } from '../storage/records.js';
import type { ConnectionCounts } from '../transport/LiveConnections.js';
import type { AdminPrincipal } from '../http/auth/principal.js';
import { CloseCountdowns } from './CloseCountdowns.js';
import { addCounts, type DeploymentFigures } from './DeploymentFigures.js';
import { EventRates } from './EventRates.js';

const banKey = (roomId: string, memberId: string) => `admin-ban:${roomId}:${memberId}`;
const accountBanKey = (roomId: string, accountId: string) =>
  `admin-ban:${roomId}:account:${accountId}`;
const externalBanKey = (roomId: string, externalId: string) =>
  `admin-ban:${roomId}:external:${externalId}`;
const iso = (ms: number) => new Date(ms).toISOString();
const noConnections = (): ConnectionCounts => ({ socket: 0, sse: 0, collab: 0 });

/**
 * What an administrator sees and does (API.md, "Admin"): rooms and stats as one snapshot each,
 * deleting a room with a countdown, removing a member with a time-boxed ban, and the audit and
 * execution logs. Every action is written to the audit log before it is answered.
 */
export class AdminService {
  readonly countdowns: CloseCountdowns;
  private readonly rates: EventRates;
  private readonly startedAt: number;

  constructor(
    private readonly ctx: RoomkitContext,
    /** Connections and exec queues, summed over every instance. */
    private readonly figures: DeploymentFigures,
    private readonly exec: Pick<Services['exec'], 'load' | 'recentRuns'>,
    private readonly calls: Pick<Services['calls'], 'all' | 'state' | 'qualityIn'>,
    /** Shared by every instance in multi-instance mode: bans and countdown marks. */
    private readonly keys: ExpiringKeys,
  ) {
    this.countdowns = new CloseCountdowns(ctx, keys);
    this.rates = new EventRates(ctx);
    this.startedAt = ctx.clock.now();
    // A removed member's browser or client is kept out while the ban lasts, whatever name it
    // asks for: its earlier token still names the member it was; so is their account, and
    // the person an integrator's ticket names.
    ctx.rooms.guardJoin(async (room, client) => {
      const banned = client.earlier
        .filter((claims) => claims.roomId === room.id)
        .map((claims) => banKey(room.id, claims.memberId));
      if (client.account) banned.push(accountBanKey(room.id, client.account.id));
      if (client.ticket) banned.push(externalBanKey(room.id, client.ticket.externalId));
      if (banned.length === 0) return;
      if (await keys.hasAny(banned)) {
        throw new AppError('forbidden', 'You were removed from this room; try again later.');
      }
    });
  }

  async rooms(): Promise<AdminRoom[]> {
    const [{ connections }, rooms, calls] = await Promise.all([
      this.figures.read(),
      this.ctx.stores.rooms.listRooms(),
      this.calls.all(),
    ]);
    const views = await Promise.all(
      rooms.map((room) => this.roomSummary(room, connections, calls.get(room.id) ?? null)),
    );
    return views.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async room(roomId: string): Promise<AdminRoomDetail> {
    const room = await this.ctx.rooms.getLiveRoom(roomId);
    const [{ connections }, call] = await Promise.all([
      this.figures.read(),
      this.calls.state(room.id),
    ]);
    const [summary, members] = await Promise.all([
      this.roomSummary(room, connections, call),
      this.ctx.rooms.membersWithPresence(room.id),
    ]);
    const quality = this.calls.qualityIn(room.id);
    return {
      room: summary,
      members,
      call: call && {
        topology: call.topology,
        startedAt: call.startedAt,
        participants: call.participants.map((participant) => ({
          ...participant,
          peers: quality.get(participant.memberId)?.peers ?? null,
        })),
      },
    };
  }

  async stats(): Promise<AdminStats> {
    const { stores, presence, accountant, clock } = this.ctx;
    const rooms = await stores.rooms.listRooms();
    const online = await Promise.all(rooms.map((room) => presence.online(room.id)));
    const [figures, calls] = await Promise.all([this.figures.read(), this.calls.all()]);
    const byTransport = [...figures.connections.values()].reduce(addCounts, noConnections());
    const { level, usedBytes, budgetBytes } = accountant.status();
    return {
      rooms: rooms.length,
      members: await stores.rooms.countMembers(),
      online: online.reduce((sum, set) => sum + set.size, 0),
      connections: byTransport.socket + byTransport.sse + byTransport.collab,
      connectionsByTransport: byTransport,
      memory: { level, usedBytes, budgetBytes },
      uptimeSeconds: Math.floor((clock.now() - this.startedAt) / 1000),
      rates: this.rates.rates(),
      exec: figures.exec,
      calls: {
        inProgress: calls.size,
        participants: [...calls.values()].reduce((sum, call) => sum + call.participants.length, 0),
      },
    };
  }

  /** Starts the room's delete countdown (see CloseCountdowns); when the room goes. */
  async deleteRoom(admin: AdminPrincipal, roomId: string, graceSeconds: number) {
    await this.ctx.rooms.getLiveRoom(roomId);
    await this.audit(
      admin,
      graceSeconds === 0 ? 'room.delete_now' : 'room.delete',
      `room:${roomId}`,
    );
    const endsAt = await this.countdowns.start(roomId, graceSeconds);
    return { closingAt: endsAt === null ? null : iso(endsAt) };
  }

  async cancelClose(admin: AdminPrincipal, roomId: string): Promise<void> {
    if (!(await this.countdowns.cancel(roomId)))
      throw new AppError('not_found', 'No delete countdown runs for this room.');
    await this.audit(admin, 'room.cancel_close', `room:${roomId}`);
  }

  /**
   * Removes a member: their connections close and their token stops working (the member is
   * gone), and for `banSeconds` a join of the room from their browser or client is refused.
   */
  async kick(admin: AdminPrincipal, roomId: string, memberId: string, banSeconds: number) {
    const room = await this.ctx.rooms.getLiveRoom(roomId);
    const member = await this.ctx.stores.rooms.getMember(room.id, memberId);
    if (!member) throw new AppError('not_found', 'No such member in this room.');
    await this.audit(admin, 'member.kick', `member:${roomId}/${memberId}`);
    if (banSeconds > 0) {
      await this.keys.add(banKey(roomId, memberId), banSeconds * 1000);
      if (member.accountId !== undefined)
        await this.keys.add(accountBanKey(roomId, member.accountId), banSeconds * 1000);
      if (member.externalId !== undefined)
        await this.keys.add(externalBanKey(roomId, member.externalId), banSeconds * 1000);
    }
    await this.ctx.rooms.leave(roomId, memberId, 'kicked');
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    const entries = await this.ctx.stores.audit.recent(limit);
    return entries.map((entry) => ({ ...entry, at: iso(entry.at) }));
  }

  async execRuns(options: { roomId?: string; limit: number }): Promise<AdminExecRun[]> {
    const runs = await this.exec.recentRuns(options);
    return runs.map(({ createdAt, ...run }) => ({ ...run, at: iso(createdAt) }));
  }

  async close(): Promise<void> {
    this.countdowns.close();
    this.rates.close();
    await this.figures.close();
  }

  private async roomSummary(
    room: RoomRecord,
    connections: Map<string, ConnectionCounts>,
    call: Call,
  ): Promise<AdminRoom> {
    const { stores, presence } = this.ctx;
    const [members, online, files, newest] = await Promise.all([
      stores.rooms.listMembers(room.id),
      presence.online(room.id),
      stores.files.listFiles(room.id),
      stores.messages.listBefore(room.id, undefined, 1),
    ]);
    const closingAt = this.countdowns.endOf(room.id);
    return {
      ...roomView(room),
      members: { total: members.length, online: online.size },
      connections: connections.get(room.id) ?? noConnections(),
      files: files.length,
      bytes: files.reduce((sum, file) => sum + file.size, 0),
      messages: newest.messages.at(-1)?.seq ?? 0,
      execRunning: this.exec.load(room.id).running,
      callParticipants: call?.participants.length ?? 0,
      callTopology: call?.topology ?? null,
      integrator: room.integratorId ?? null,
      closingAt: closingAt === undefined ? null : iso(closingAt),
    };
  }

  private async audit(admin: AdminPrincipal, action: string, target: string): Promise<void> {
    await this.ctx.stores.audit.append({
      at: this.ctx.clock.now(),
      actor: admin.actor,
      action,
      target,
    });
  }
}
