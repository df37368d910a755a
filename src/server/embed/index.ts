import { MemoryExpiringKeys } from '../core/ExpiringKeys.js';
import type { Feature } from '../kernel/Feature.js';
import { embedRoutes } from './embed.routes.js';
import { EmbedService } from './EmbedService.js';
import { Integrators, loadIntegrators } from './Integrators.js';
import { Tickets } from './Tickets.js';

declare module '../kernel/services.js' {
  interface Services {
    embed: EmbedService;
  }
}

/**
 * Embedding (API.md, "Embedding"; docs/embedding.md): integrators from `INTEGRATORS_FILE`
 * sign short-lived tickets, and a page of theirs shows a room in an iframe with its person
 * already named and placed. Without `INTEGRATORS_FILE` no ticket is accepted.
 * Used nonces are kept in Redis in multi-instance mode, so a ticket works once in the deployment.
 */
export const embed: Feature = {
  name: 'embed',
  needs: ['health'],
  async install({ core, cluster, http, use, provide }) {
    const file = core.config.integratorsFile;
    const integrators = file === undefined ? new Integrators([]) : loadIntegrators(file);
    const nonces = cluster?.keys ?? new MemoryExpiringKeys(() => core.clock.now());
    const tickets = new Tickets(integrators, core.clock, nonces);
    const service = new EmbedService(core, integrators, tickets, use('metrics'));
    for (const integrator of integrators.list()) {
      if (integrator.diagnostics) {
        core.log.warn(
          { integrator: integrator.id },
          'embed: ticket diagnostics are on for this integrator (development only)',
        );
      }
      if (integrator.rooms.persistent && core.config.databaseUrl === undefined) {
        core.log.warn(
          { integrator: integrator.id },
          'embed: rooms.persistent needs DATABASE_URL; its rooms are kept in memory',
        );
      }
    }
    await http(embedRoutes(core, service));
    provide('embed', service);
  },
};
