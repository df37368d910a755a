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

/** The longest name DNS carries (RFC 1035); a longer host is no site's. */
export const LOGO_HOST_MAX_CHARS = 253;
/** DNS's longest label. */
const LOGO_LABEL_MAX_CHARS = 63;
/** Past this the input is not read at all: a host of 253 characters, a port, brackets. */
const LOGO_DOMAIN_INPUT_MAX_CHARS = 300;

/**
 * A site as `host` or `host:port`, normalised as the WHATWG URL parser reads it after
 * `http://` (lower case, an IDN as punycode, IPv4 in dotted quads, IPv6 in brackets), the port
 * kept exactly when it was written, whatever the scheme's default; undefined for anything that
 * is not just that (a path, a query, credentials, a percent-escape, a port 0, an empty or overlong
 * host). The same site always comes out the same, so its logo is cached and signed once.
 */
export function normaliseLogoDomain(value: string): string | undefined {
  if (value === '' || /[/?#@\\%\s]/u.test(value)) return undefined;
  let http: URL;
  let https: URL;
  try {
    http = new URL(`http://${value}`);
    https = new URL(`https://${value}`);
  } catch {
    return undefined;
  }
  const { hostname } = http;
  if (hostname === '' || hostname.length > LOGO_HOST_MAX_CHARS) return undefined;
  if (!hostname.startsWith('[') && hostname.split('.').some((l) => l.length > LOGO_LABEL_MAX_CHARS))
    return undefined;
  // The parser drops a scheme's default port: `:80` shows only under https, `:443` under http.
  const port = http.port || https.port;
  if (port === '0') return undefined;
  return port === '' ? hostname : `${hostname}:${port}`;
}

/** `domain` of the logo route: checked and normalised (normaliseLogoDomain). */
export const logoDomainSchema = z
  .string()
  .max(LOGO_DOMAIN_INPUT_MAX_CHARS)
  .transform((value, ctx) => {
    const domain = normaliseLogoDomain(value);
    if (domain !== undefined) return domain;
    ctx.addIssue({ code: 'custom', message: 'must be a host or host:port' });
    return z.NEVER;
  });

export const logoThemes = ['light', 'dark'] as const;
export type LogoTheme = (typeof logoThemes)[number];

/** `GET|HEAD /api/logo`: a site's logo, signed by this server or asked for by a member. */
export const logoQuerySchema = z.strictObject({
  domain: logoDomainSchema,
  theme: z.enum(logoThemes).default('light'),
  sig: z.string().max(128).optional(),
  // As for /api/images: a member's token in an <img src>, read by the credentials check.
  token: z.string().optional(),
});
export type LogoQuery = z.infer<typeof logoQuerySchema>;
