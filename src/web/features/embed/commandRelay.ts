import type { EmbedCommand } from '../../../protocol/embed.js';

/** Where the parent's commands arrive; `attach` returns the detach. */
export interface CommandRelay {
  push: (command: EmbedCommand) => void;
  attach: (handler: (command: EmbedCommand) => void) => () => void;
}

/** Commands in arrival order; those that come before the room is shown wait for it. */
export function createCommandRelay(): CommandRelay {
  const queued: EmbedCommand[] = [];
  let handler: ((command: EmbedCommand) => void) | null = null;
  return {
    push(command) {
      if (handler) handler(command);
      else queued.push(command);
    },
    attach(next) {
      handler = next;
      for (const command of queued.splice(0)) next(command);
      return () => {
        if (handler === next) handler = null;
      };
    },
  };
}
