/** Files' requests and socket events (API.md, "Files and images"). */
import { z } from 'zod';
import type { Message } from './chat.js';
import { clientEvent } from './clientEvent.js';
import { THUMB_WIDTHS } from './constants.js';
import { serverEvent } from './serverEvent.js';

export const fileIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a file id');

/** A shared file as API.md lists it; `width` and `height` for images only. */
export const fileInfoSchema = z.object({
  id: fileIdSchema,
  name: z.string(),
  mime: z.string().min(1),
  size: z.number().int().min(0),
  width: z.number().int().min(1).optional(),
  height: z.number().int().min(1).optional(),
  createdAt: z.iso.datetime(),
  uploaderId: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 in hex'),
});
export type FileInfo = z.infer<typeof fileInfoSchema>;

export const thumbFormats = ['auto', 'webp', 'avif', 'jpeg', 'png'] as const;
export type ThumbFormat = (typeof thumbFormats)[number];

export const thumbQuerySchema = z.object({
  w: z.coerce
    .number()
    .int()
    .min(THUMB_WIDTHS[0])
    .max(THUMB_WIDTHS[THUMB_WIDTHS.length - 1] as number)
    .default(480),
  format: z.enum(thumbFormats).default('auto'),
  // Media URLs may carry the session token (for <img src>); it is read by the session check.
  token: z.string().optional(),
});

/** `file:upload` over Socket.IO: the bytes as a Buffer/ArrayBuffer, never base64. */
export const fileUploadSchema = z.strictObject({
  name: z.string().max(1000),
  data: z.custom<Buffer | ArrayBuffer | Uint8Array>(
    (value) =>
      Buffer.isBuffer(value) || value instanceof ArrayBuffer || value instanceof Uint8Array,
    'data must be binary (a Buffer or ArrayBuffer)',
  ),
});

export const fileGetSchema = z.strictObject({
  fileId: fileIdSchema,
  variant: z.enum(['original', 'thumb']).default('original'),
});

export const filesClientEvents = {
  /** Shares one file; the ack carries it and the chat line that announces it. */
  'file:upload': clientEvent(fileUploadSchema).acks<{ file: FileInfo; message: Message }>(),
  /**
   * Reads a file's bytes: an ArrayBuffer in a browser, a Buffer (a Uint8Array) in Node, which is
   * also what the server may send.
   */
  'file:get': clientEvent(fileGetSchema).acks<{ file: FileInfo; data: ArrayBuffer | Uint8Array }>(),
};

export const filesServerEvents = {
  'file:added': serverEvent(z.object({ file: fileInfoSchema })),
};
