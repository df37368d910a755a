/** Chat's requests and socket events (API.md, "Messages"). */
import { z } from 'zod';
import { clientEvent } from './clientEvent.js';
import { HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, MESSAGE_MAX_CHARS } from './constants.js';
import { memberSchema } from './members.js';
import { previewSchema } from './previews.js';
import { serverEvent } from './serverEvent.js';

export const clientMsgIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

export const messageTypeSchema = z.enum(['text', 'system', 'file']);
export type MessageType = z.infer<typeof messageTypeSchema>;

export const messageSchema = z.object({
  id: z.string().min(1),
  roomId: z.string().min(1),
  seq: z.number().int().min(1),
  type: messageTypeSchema,
  body: z.string(),
  /** Null for a system message. */
  sender: memberSchema.nullable(),
  createdAt: z.iso.datetime(),
  clientMsgId: clientMsgIdSchema.optional(),
  /** The shared file of a `file` message. */
  fileId: z.string().min(1).optional(),
  /** The card of the first link in a text message, attached after it was posted. */
  preview: previewSchema.optional(),
});
export type Message = z.infer<typeof messageSchema>;

export const sendMessageSchema = z.strictObject({
  body: z
    .string()
    .refine((body) => body.trim().length > 0, 'a message cannot be empty')
    .refine(
      (body) => [...body].length <= MESSAGE_MAX_CHARS,
      `a message has at most ${MESSAGE_MAX_CHARS} characters`,
    ),
  clientMsgId: clientMsgIdSchema.optional(),
});
export type SendMessageBody = z.infer<typeof sendMessageSchema>;

export const historyQuerySchema = z.strictObject({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(HISTORY_PAGE_MAX).default(HISTORY_PAGE_DEFAULT),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export const typingSchema = z.strictObject({ active: z.boolean() });

export const chatClientEvents = {
  /** Posts a message; the ack carries it as stored (the earlier one for a repeated clientMsgId). */
  'message:send': clientEvent(sendMessageSchema).acks<{ message: Message }>(),
  typing: clientEvent(typingSchema).mayAck(),
};

export const chatServerEvents = {
  'message:new': serverEvent(z.object({ message: messageSchema })),
  /** A message changed after it was posted: its link card attached or removed. */
  'message:updated': serverEvent(z.object({ message: messageSchema })),
  typing: serverEvent(z.object({ memberId: z.string().min(1), active: z.boolean() })),
};
