import { z } from 'zod';
import type { Outbound } from '../outbound/Outbound.js';
import { absoluteHttpUrl, cleanText, withoutUndefined } from './pageText.js';

/** One icon of a web app manifest, its `src` made absolute. */
export interface ManifestIcon {
  url: string;
  /** As written: `192x192`, `16x16 32x32`, `any`. */
  sizes?: string;
  type?: string;
  /** `any`, `maskable`, `monochrome`, or several. */
  purpose?: string;
}

/** A manifest is small; one larger than this is not read. */
export const MANIFEST_MAX_BYTES = 64 * 1024;
/** Icons kept at most. */
const MAX_ICONS = 32;
/** `sizes`, `type` and `purpose` are short words; longer is not a real value. */
const MAX_FIELD = 100;

const optionalText = z.string().optional().catch(undefined);

/** A manifest as far as its icons go; anything else in it is ignored, whatever its shape. */
const manifestSchema = z.object({ icons: z.array(z.unknown()).catch([]) });
const manifestIconSchema = z.object({
  src: z.string(),
  sizes: optionalText,
  type: optionalText,
  purpose: optionalText,
});

/**
 * The icons of the web app manifest at `manifestUrl` (JSON, at most 64 KiB, 2xx only), each
 * `src` resolved against where the manifest came from (after redirects). Lenient as browsers
 * are: an entry without a usable http(s) `src` is skipped, a manifest that is not JSON or has
 * no `icons` array has no icons. Rejects only with the door's errors (a refused URL, a failed
 * or oversized fetch).
 */
export async function readManifestIcons(
  outbound: Outbound,
  manifestUrl: string,
  options: { signal?: AbortSignal } = {},
): Promise<ManifestIcon[]> {
  const response = await outbound.get(manifestUrl, {
    accept: 'application/manifest+json, application/json;q=0.9',
    maxBytes: MANIFEST_MAX_BYTES,
    requireOk: true,
    signal: options.signal,
  });
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return [];
  }
  const manifest = manifestSchema.safeParse(json);
  if (!manifest.success) return [];
  const icons: ManifestIcon[] = [];
  for (const entry of manifest.data.icons) {
    const icon = manifestIconSchema.safeParse(entry);
    if (!icon.success) continue;
    const url = absoluteHttpUrl(icon.data.src, response.url);
    if (url === undefined) continue;
    icons.push(
      withoutUndefined({
        url,
        sizes: cleanText(icon.data.sizes, MAX_FIELD),
        type: cleanText(icon.data.type, MAX_FIELD),
        purpose: cleanText(icon.data.purpose, MAX_FIELD),
      }),
    );
    if (icons.length === MAX_ICONS) break;
  }
  return icons;
}
