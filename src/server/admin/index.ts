import { MemoryExpiringKeys } from '../core/ExpiringKeys.js';
import type { Feature } from '../kernel/Feature.js';
import { adminRoutes } from './admin.routes.js';
import { AdminService } from './AdminService.js';

declare module '../kernel/services.js' {
  interface Services {
    admin: AdminService;
  }
}

/**
 * Administration (API.md, "Admin"): `/api/admin/*` for the admin token — rooms and stats,
 * deleting a room with a countdown, removing a member with a ban, the audit and execution logs.
 * Bans and countdown marks are shared through Redis in multi-instance mode.
 */
export const admin: Feature = {
  name: 'admin',
  needs: ['exec'],
  async install({ core, cluster, live, http, use, provide, onShutdown }) {
    const keys = cluster?.keys ?? new MemoryExpiringKeys(() => core.clock.now());
    const service = new AdminService(core, live, use('exec'), keys);
    await http(adminRoutes(service));
    provide('admin', service);
    onShutdown('services', () => service.close());
  },
};
