import { MemoryExpiringKeys } from '../core/ExpiringKeys.js';
import type { Feature } from '../kernel/Feature.js';
import { adminRoutes } from './admin.routes.js';
import { AdminService } from './AdminService.js';
import { DeploymentFigures } from './DeploymentFigures.js';

declare module '../kernel/services.js' {
  interface Services {
    admin: AdminService;
  }
}

/**
 * Administration (API.md, "Admin"): `/api/admin/*` for the admin token — rooms and stats,
 * deleting a room with a countdown, removing a member with a ban, the audit and execution logs.
 * Bans, countdown marks and each instance's connection and exec figures are shared through Redis
 * in multi-instance mode.
 */
export const admin: Feature = {
  name: 'admin',
  needs: ['exec', 'calls'],
  async install({ core, cluster, live, http, use, provide, onShutdown }) {
    const keys = cluster?.keys ?? new MemoryExpiringKeys(() => core.clock.now());
    const exec = use('exec');
    const figures = new DeploymentFigures(live, exec, cluster?.reports, (error) =>
      core.log.warn({ err: error }, 'admin figures: Redis failed; counting this instance only'),
    );
    const service = new AdminService(core, figures, exec, use('calls'), keys);
    await http(adminRoutes(service));
    provide('admin', service);
    onShutdown('services', () => service.close());
  },
};
