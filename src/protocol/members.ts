/**
 * Who is in a room (API.md, "Rooms"). Its own file because chat's messages name their sender and
 * rooms' snapshot lists messages: both import members, and neither imports the other back.
 */
import { z } from 'zod';

export const roleSchema = z.enum(['member', 'owner', 'admin']);
export type Role = z.infer<typeof roleSchema>;

export const memberSchema = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  role: roleSchema,
  /**
   * The path of the member's picture on this server, when an integrator's ticket gave one
   * (fetched by the server, never by browsers); without it, clients draw initials.
   */
  avatar: z.string().optional(),
});
export type Member = z.infer<typeof memberSchema>;

export const memberPresenceSchema = memberSchema.extend({ online: z.boolean() });
export type MemberPresence = z.infer<typeof memberPresenceSchema>;
