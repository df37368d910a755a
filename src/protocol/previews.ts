/** Link previews and images from the web (API.md, "Link previews and images from the web"). */
import { z } from 'zod';
import { THUMB_WIDTHS } from './constants.js';
import { thumbFormats } from './files.js';

/** The longest URL previewed, proxied or signed. */
export const WEB_URL_MAX_CHARS = 2048;

const webUrlSchema = z
  .string()
  .min(1)
  .max(WEB_URL_MAX_CHARS)
  .refine((value) => /^https?:\/\//i.test(value), 'an http or https URL');

/**
 * A link's card. `image` and `icon` are URLs of this server's image proxy (signed), never the
 * third party's; a field the page did not say is null.
 */
export const previewSchema = z.object({
  url: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  siteName: z.string().nullable(),
  image: z.string().nullable(),
  icon: z.string().nullable(),
});
export type Preview = z.infer<typeof previewSchema>;

export const previewQuerySchema = z.strictObject({ url: webUrlSchema });

/** `GET /api/images`: the remote image, signed by this server or asked for by a member. */
export const imageQuerySchema = z.strictObject({
  url: webUrlSchema,
  sig: z.string().max(128).optional(),
  w: z.coerce
    .number()
    .int()
    .min(1)
    .max(THUMB_WIDTHS[THUMB_WIDTHS.length - 1] as number)
    .optional(),
  format: z.enum(thumbFormats).default('auto'),
  // Media URLs may carry the session token (for <img src>); it is read by the session check.
  token: z.string().optional(),
});
export type ImageQuery = z.infer<typeof imageQuerySchema>;
