/**
 * Keeps the hand-written `public/embed.d.ts` (what integrators read) true to the snippet's
 * source: `npm run typecheck` fails when one changes without the other. Never bundled.
 */
import type * as Source from './roomkit.js';

/** True only when A and B are the same type, both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export type EmbedTypesMatch = [
  Same<Roomkit.TicketPair, Source.TicketPair>,
  Same<Roomkit.Theme, Source.RoomkitTheme>,
  Same<Roomkit.Event, Source.RoomkitEvent>,
  Same<Roomkit.MountOptions, Source.MountOptions>,
  Same<Roomkit.Embed, Source.RoomkitEmbed>,
  Same<typeof Roomkit.mount, typeof Source.mount>,
];

export const embedTypesMatch: EmbedTypesMatch = [true, true, true, true, true, true];
