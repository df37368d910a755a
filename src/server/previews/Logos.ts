import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import { logoDomainSchema, type LogoTheme } from '../../protocol/previews.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { ImageCache } from '../media/ImageCache.js';
import { darkVariant } from '../media/logoTone.js';
import { LOGO_SIDE, normaliseLogo } from '../media/normaliseLogo.js';
import {
  isPlaceholderIcon,
  perceptualHash,
  PLACEHOLDER_ICONS,
  type PlaceholderIcon,
} from '../media/perceptualHash.js';
import { reasonOf, upstreamFailed } from '../outbound/outboundErrors.js';
import { readManifestIcons } from './readManifestIcons.js';
import { readPage, type PageMetadata } from './readPage.js';
import type { RemoteImage } from './RemoteImages.js';

/** A site's logo as served: a PNG, and whether it is the inverted dark variant. */
export interface Logo extends RemoteImage {
  inverted: boolean;
}

export interface LogosOptions {
  /** The default icons that count as no logo (PLACEHOLDER_ICONS; tests bring their own). */
  placeholderIcons?: readonly PlaceholderIcon[];
}

/** An icon file weighs a few kilobytes; one past this is not fetched further. */
export const LOGO_MAX_BYTES = 1024 * 1024;
/** Icons fetched for one site at most, `/favicon.ico` always among them. */
export const MAX_CANDIDATES = 4;
/** Share of the memory budget the logos may fill: they are small, and one per site. */
const CACHE_SHARE = 0.02;
/** A 256 px PNG is rarely past 100 KiB; one of noise could be 256 KiB. */
const MAX_ENTRY_BYTES = 512 * 1024;
/** A site without a logo (or with a framework's placeholder) is not asked again for this long. */
const NO_LOGO_TTL_MS = 60 * 60 * 1000;
/** A site the door refused or could not reach, or whose icons it could not reach, this long. */
const DOOR_FAILURE_TTL_MS = 5 * 60 * 1000;
const FAILURES_KEPT = 5000;
/**
 * Sites searched at once: each reads a page, a manifest and up to four icons one after the
 * other and decodes them; more wait their turn rather than fill memory with decodes.
 */
const SEARCHES_AT_ONCE = 4;
/**
 * One site's whole search: two page reads, the manifest and four icons could each take the
 * door's 10 s; a logo nobody waits that long for is not worth it.
 */
const SEARCH_MS = 20_000;
/** An apple-touch-icon without `sizes` is the size iOS asks for. */
const APPLE_TOUCH_SIDE = 180;
/** Below this a declared icon is a 16 px favicon: after any icon whose size is not said. */
const LARGE_SIDE = 32;
const IMAGE_ACCEPT = 'image/png,image/svg+xml,image/webp,image/*;q=0.8,*/*;q=0.5';

/** An icon the page or its manifest names, with what ranks it. */
interface Candidate {
  url: string;
  sizes?: string | undefined;
  type?: string | undefined;
  purpose?: string | undefined;
  /** Where it was named: 0 the manifest, 1 apple-touch-icon, 2 `<link rel=icon>`. */
  source: number;
}

/** What a search found: a normalised PNG, or why there is none. */
type Found = { png: Buffer } | { none: 'absent' | 'unreachable' };

/**
 * Sites' logos, for link cards: found on the site itself through the outbound door, normalised
 * (normaliseLogo: a PNG of at most 256 px, metadata gone, SVG rendered), and for the dark theme
 * inverted when it is a dark mark on transparency (logoTone's `darkVariant`).
 *
 * The search reads `https://<domain>/` (`http://` when that fails other than by the door's
 * refusal), then ranks the manifest's icons, `apple-touch-icon` and `<link rel=icon>` — the
 * largest declared size of 32 px or more first (`any` and SVG count as 256), then those of no
 * declared size, then the small ones — and fetches them one by one (1 MiB each) until one
 * decodes; `<origin>/favicon.ico` is always the last of the MAX_CANDIDATES tried. An icon that
 * is a well-known placeholder (perceptual hash) counts as none.
 *
 * Both variants of a site are kept in an ImageCache (`logos`), the dark one made from the light
 * one without fetching again; concurrent requests for a site search once. A site without a logo
 * is remembered an hour, one the door refused or failed to reach five minutes.
 */
export class Logos {
  readonly cache: ImageCache<Logo>;
  private readonly failures = new LRUCache<string, AppError>({
    max: FAILURES_KEPT,
    ttl: NO_LOGO_TTL_MS,
  });
  private readonly searches = pLimit(SEARCHES_AT_ONCE);
  private readonly placeholders: readonly PlaceholderIcon[];

  constructor(
    private readonly ctx: RoomkitContext,
    options: LogosOptions = {},
  ) {
    this.placeholders = options.placeholderIcons ?? PLACEHOLDER_ICONS;
    this.cache = new ImageCache<Logo>(ctx.accountant, {
      name: 'logos',
      maxBytes: Math.floor(ctx.config.memoryBudgetBytes * CACHE_SHARE),
      maxEntryBytes: MAX_ENTRY_BYTES,
    });
  }

  /**
   * The logo of `domain` (`host` or `host:port`, normalised; 400 `invalid_request` otherwise)
   * for `theme`. Rejects with 404 `not_found` when the site has none (or only a placeholder),
   * the door's 400 `forbidden_address` or 502 `upstream_failed` when its page could not be read,
   * 503 `overloaded` when memory is short.
   */
  async logo(domain: string, theme: LogoTheme = 'light'): Promise<Logo> {
    const site = parseInput(logoDomainSchema, domain, 'domain');
    if (theme === 'light') return this.cache.get(keyOf(site, 'light'), () => this.light(site));
    return this.cache.get(keyOf(site, 'dark'), async () => {
      const light = await this.logo(site, 'light');
      const dark = await darkVariant(light.bytes);
      if (!dark.inverted) return light;
      return { bytes: dark.bytes, mime: 'image/png', etag: etagOf(dark.bytes), inverted: true };
    });
  }

  /**
   * Whether the answer for a normalised `domain` and `theme` is at hand (a logo, or a
   * remembered absence or failure), so asking for it fetches nothing.
   */
  has(domain: string, theme: LogoTheme): boolean {
    return (
      this.cache.peek(keyOf(domain, theme)) !== undefined ||
      this.cache.peek(keyOf(domain, 'light')) !== undefined ||
      this.failures.has(domain)
    );
  }

  /** The light logo: searched for, or the remembered failure. */
  private async light(site: string): Promise<Logo> {
    const failed = this.failures.get(site);
    if (failed) throw failed;
    let found: Found;
    try {
      found = await this.searches(() => this.search(site));
    } catch (error) {
      // The door's own answers are the site's; anything else (memory short) is this server's.
      if (reasonOf(error) !== undefined) {
        this.failures.set(site, error as AppError, { ttl: DOOR_FAILURE_TTL_MS });
      }
      throw error;
    }
    if ('png' in found) {
      return { bytes: found.png, mime: 'image/png', etag: etagOf(found.png), inverted: false };
    }
    const none = new AppError('not_found', 'This site has no logo.');
    const ttl = found.none === 'absent' ? NO_LOGO_TTL_MS : DOOR_FAILURE_TTL_MS;
    this.failures.set(site, none, { ttl });
    throw none;
  }

  private async search(site: string): Promise<Found> {
    const signal = AbortSignal.timeout(SEARCH_MS);
    try {
      const { page, origin } = await this.readSite(site, signal);
      let unreachable = false;
      for (const url of await this.candidates(page, origin, signal)) {
        try {
          const png = await this.fetchLogo(url, signal);
          if (png) return { png };
        } catch (error) {
          if (!skippable(error)) throw error;
          unreachable ||= transient(error);
          this.ctx.log.debug({ err: error, url }, 'logo: icon skipped');
        }
      }
      return { none: unreachable ? 'unreachable' : 'absent' };
    } catch (error) {
      if (signal.aborted) throw upstreamFailed('timeout', { cause: error });
      throw error;
    }
  }

  /**
   * The site's page, over https and else http, and the origin its icons are relative to. A page
   * that answered with an error status still names the origin (its /favicon.ico may be there);
   * the door's refusal, or failing both ways, is thrown.
   */
  private async readSite(
    site: string,
    signal: AbortSignal,
  ): Promise<{ page?: PageMetadata; origin: string }> {
    let answered: string | undefined;
    let last: unknown;
    for (const scheme of ['https', 'http']) {
      const origin = `${scheme}://${site}`;
      try {
        // No oEmbed: the site's own page is what names its icons.
        const page = await readPage(this.ctx.outbound, `${origin}/`, {
          signal,
          oembedProviders: [],
        });
        return { page, origin: new URL(page.url).origin };
      } catch (error) {
        const reason = reasonOf(error);
        if (signal.aborted || reason === undefined) throw error;
        if ((error as AppError).code === 'forbidden_address') throw error;
        if (reason === 'status') answered ??= origin;
        last = error;
      }
    }
    if (answered !== undefined) return { origin: answered };
    throw last;
  }

  /** The icons to try, best first, at most MAX_CANDIDATES, the site's /favicon.ico among them. */
  private async candidates(
    page: PageMetadata | undefined,
    origin: string,
    signal: AbortSignal,
  ): Promise<string[]> {
    const found: Candidate[] = [];
    if (page?.manifest !== undefined) {
      try {
        const icons = await readManifestIcons(this.ctx.outbound, page.manifest, { signal });
        for (const icon of icons) found.push({ ...icon, source: 0 });
      } catch (error) {
        // A manifest refused or gone leaves the page's own icons.
        if (signal.aborted || reasonOf(error) === undefined) throw error;
      }
    }
    for (const icon of page?.icons ?? []) {
      found.push({ ...icon, source: icon.rel === 'apple-touch-icon' ? 1 : 2 });
    }
    const ranked = found
      .map((candidate, order) => ({ candidate, order, ...rank(candidate) }))
      .sort((a, b) => a.tier - b.tier || b.side - a.side || a.order - b.order)
      .map(({ candidate }) => candidate.url)
      .filter((url, index, urls) => urls.indexOf(url) === index);
    const favicon = new URL('/favicon.ico', origin).href;
    const first = ranked.slice(0, MAX_CANDIDATES - 1);
    return first.includes(favicon) ? ranked.slice(0, MAX_CANDIDATES) : [...first, favicon];
  }

  /** One icon, normalised; undefined when it is a placeholder. Throws why it is not usable. */
  private async fetchLogo(url: string, signal: AbortSignal): Promise<Buffer | undefined> {
    // Set aside before reading, as the image proxy does: a burst of sites cannot pass the budget.
    const reservation = this.ctx.accountant.reserve(LOGO_MAX_BYTES);
    try {
      const { body } = await this.ctx.outbound.get(url, {
        accept: IMAGE_ACCEPT,
        maxBytes: LOGO_MAX_BYTES,
        requireOk: true,
        signal,
      });
      const png = await normaliseLogo(body);
      return isPlaceholderIcon(await perceptualHash(png), this.placeholders) ? undefined : png;
    } finally {
      reservation.release();
    }
  }
}

/**
 * How suitable an icon looks before it is fetched: `tier` 0 for a declared size of 32 px or
 * more (`any` and SVG count as LOGO_SIDE), 1 for no declared size, 2 for a small one, 3 for a
 * manifest icon meant only as a mask or a silhouette (`maskable`, `monochrome`: padded, or one
 * colour); `side` orders within a tier, largest first.
 */
function rank(candidate: Candidate): { tier: number; side: number } {
  const purposes = candidate.purpose?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
  if (purposes.length > 0 && !purposes.includes('any')) return { tier: 3, side: 0 };
  const side = declaredSide(candidate);
  if (side === undefined) return { tier: 1, side: 0 };
  return side >= LARGE_SIDE ? { tier: 0, side } : { tier: 2, side };
}

/** The largest side an icon declares (`sizes`, SVG, an apple-touch-icon's default). */
function declaredSide(candidate: Candidate): number | undefined {
  const svg =
    candidate.type?.toLowerCase().startsWith('image/svg') ||
    /\.svgz?$/i.test(new URL(candidate.url).pathname);
  let side = svg ? LOGO_SIDE : undefined;
  for (const size of candidate.sizes?.toLowerCase().split(/\s+/) ?? []) {
    const match = /^(\d{1,5})x(\d{1,5})$/.exec(size);
    const named =
      size === 'any' ? LOGO_SIDE : match && Math.max(Number(match[1]), Number(match[2]));
    if (named) side = Math.max(side ?? 0, named);
  }
  if (side === undefined && candidate.source === 1) return APPLE_TOUCH_SIDE;
  return side;
}

/** An icon that failed for a reason of its own: the next one is tried. */
function skippable(error: unknown): boolean {
  if (reasonOf(error) !== undefined) return true;
  return (
    error instanceof AppError && (error.code === 'unsupported_type' || error.code === 'too_large')
  );
}

/** A failure that may pass: the site is asked again sooner than one that has no logo. */
function transient(error: unknown): boolean {
  const reason = reasonOf(error);
  if (reason === 'timeout' || reason === 'connect' || reason === 'dns') return true;
  const status = ((error as AppError).details as { status?: number } | undefined)?.status;
  return reason === 'status' && status !== undefined && status >= 500;
}

function keyOf(site: string, theme: LogoTheme): string {
  return `${site}\n${theme}`;
}

function etagOf(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"`;
}
