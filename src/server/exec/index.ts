import { execClientEvents } from '../../protocol/exec.js';
import type { Feature } from '../kernel/Feature.js';
import { execEvents } from './exec.events.js';
import { execRoutes } from './exec.routes.js';
import { ExecService, type ExecOptions } from './ExecService.js';

declare module '../kernel/services.js' {
  interface Services {
    exec: ExecService;
  }
}

/**
 * Code execution: runs a room's code in the configured driver (WebAssembly, bubblewrap or
 * Piston) within its limits, and posts each run's summary to chat. Owns the room's runs, and
 * the room's `exec` in `room:state` (the last result, the runs going on).
 * `options` shortens the limits in tests.
 */
export function exec(options: Partial<ExecOptions> = {}): Feature {
  return {
    name: 'exec',
    needs: ['chat'],
    async install({ core, cluster, http, socket, provide, use, onShutdown }) {
      const service = new ExecService(core, use('chat'), options, cluster?.channel);
      await http(execRoutes(core, service));
      socket(execClientEvents, execEvents(service));
      provide('exec', service);
      onShutdown('services', () => service.close());
    },
  };
}
