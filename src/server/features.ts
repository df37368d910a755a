import { accounts } from './accounts/index.js';
import { admin } from './admin/index.js';
import { calls } from './calls/index.js';
import { chat } from './chat/index.js';
import { collab } from './collab/index.js';
import { embed } from './embed/index.js';
import { exec } from './exec/index.js';
import { files } from './files/index.js';
import { health } from './health/index.js';
import { previews } from './previews/index.js';
import type { Feature } from './kernel/Feature.js';
import { rooms } from './rooms/index.js';

/** Settings of the features that tests change (limits shortened, heartbeats quickened). */
export interface FeatureOptions {
  /** Code execution limits and queue (defaults: 5 s, 128 MiB, 64 KiB). */
  exec?: Parameters<typeof exec>[0];
  /** Accounts' limits and password hashing (defaults: docs/operations.md). */
  accounts?: Parameters<typeof accounts>[0];
  /** Calls' grace period for a participant whose connections dropped (default 15 s). */
  calls?: Parameters<typeof calls>[0];
  /** Link previews' oEmbed providers (tests point one at a local site). */
  previews?: Parameters<typeof previews>[0];
  /** Ping interval of collab WebSockets (default 30 s). */
  collabHeartbeatMs?: number;
}

/**
 * Roomkit's features, installed in this order (each after the ones it needs). A new feature is
 * its folder and one line here.
 */
export function features(options: FeatureOptions): Feature[] {
  return [
    health,
    rooms,
    chat,
    files,
    exec(options.exec),
    collab({ heartbeatMs: options.collabHeartbeatMs }),
    calls(options.calls),
    accounts(options.accounts),
    admin,
    embed,
    previews(options.previews),
  ];
}
