import { z } from 'zod';

/** A media type as `type/subtype` (RFC 6838 characters), without parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}$/;

/** `POST /api/rooms/:roomId/uploads`: the file about to be sent straight to object storage. */
export const presignedUploadSchema = z.strictObject({
  name: z.string().min(1).max(1000),
  size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  mime: z.string().regex(MEDIA_TYPE, 'not a media type (type/subtype)'),
});

export type PresignedUploadRequest = z.infer<typeof presignedUploadSchema>;

export const uploadIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not an upload id');
