import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { Metadata } from 'sharp';
import { THUMB_WIDTHS } from '../../protocol/constants.js';
import type { ThumbFormat } from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { detectFileType } from '../media/detectFileType.js';
import { ImageCache, type CachedImage } from '../media/ImageCache.js';
import { checkedHeader, processImage } from '../media/processImage.js';
import { WEB_IMAGES_PREFIX } from '../storage/WebImageStore.js';
import { makeVariant, negotiate, snapWidth, type EncodedFormat } from '../media/variants.js';

/** The most a remote image may weigh on the wire and decoded (the door enforces it). */
export const REMOTE_IMAGE_MAX_BYTES = 8 * 1024 * 1024;
/** Share of the memory budget the remote images may fill before the oldest go. */
const CACHE_SHARE = 0.1;
/** The largest single image the cache keeps; a bigger one is served but not kept. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
/** How long a URL that gave no image is not fetched again. */
const FAILURE_TTL_MS = 60_000;
/** Remote images fetched (and checked) at once at most; more wait their turn. */
const FETCHES_AT_ONCE = 8;
/** Share of the memory budget the fetches in flight may set aside together. */
const FETCHES_SHARE = 0.25;

/** A remote image as served: encoded bytes, their type and an entity tag. */
export interface RemoteImage extends CachedImage {
  etag: string;
}

/** A checked and cleaned original, with what a variant needs to know of it. */
interface Source extends RemoteImage {
  width: number;
  animated: boolean;
  alpha: boolean;
}

type Entry = RemoteImage | Source;

/** What a client asks of a remote image: a width (snapped), a format, what it accepts. */
export interface VariantOptions {
  width?: number | undefined;
  format: ThumbFormat;
  /** The request's Accept header, for `format: "auto"`. */
  accept?: string | undefined;
}

/**
 * Images from the web, re-served by this server so that no member's browser contacts a third
 * party. The original comes through the outbound door (capped at 8 MiB), its type decided from
 * its bytes, and goes through the upload pipeline (processImage: pixel and frame limits,
 * metadata dropped); variants are resized and re-encoded from it (AVIF/WebP/PNG/JPEG as the
 * client accepts, widths snapped to the thumbnail set).
 *
 * Three tiers, as the source system had them: the memory LRU (a share of MEMORY_BUDGET_BYTES,
 * emptied first under pressure), then the blob store when it is on disk or S3 (so a persistent
 * room's previews survive a restart and later changes on the third-party site), then the origin.
 * Concurrent requests for the same image wait for one fetch and one resize.
 */
export class RemoteImages {
  readonly cache: ImageCache<Entry>;
  private readonly failures = new LRUCache<string, AppError>({ max: 1000, ttl: FAILURE_TTL_MS });
  private readonly fetches: ReturnType<typeof pLimit>;
  private readonly resizes = pLimit(Math.max(1, availableParallelism()));

  constructor(private readonly ctx: RoomkitContext) {
    // Each fetch sets its cap aside: a small budget fetches fewer at once rather than refusing.
    const affordable = (ctx.config.memoryBudgetBytes * FETCHES_SHARE) / REMOTE_IMAGE_MAX_BYTES;
    this.fetches = pLimit(Math.max(1, Math.min(FETCHES_AT_ONCE, Math.floor(affordable))));
    this.cache = new ImageCache<Entry>(ctx.accountant, {
      name: 'remote_images',
      maxBytes: Math.floor(ctx.config.memoryBudgetBytes * CACHE_SHARE),
      maxEntryBytes: MAX_ENTRY_BYTES,
    });
  }

  /**
   * The image at `url`, `width` wide at most (snapped up to the thumbnail set, never past the
   * original), as `format` (`auto`: the best the Accept header takes; PNG rather than JPEG for
   * an image with transparency, WebP for an animation). Rejects with the door's
   * `forbidden_address` / `upstream_failed`, 415 `unsupported_type` when the bytes are not an
   * image the pipeline shows, or the pipeline's own refusals.
   */
  async variant(url: string, options: VariantOptions): Promise<RemoteImage> {
    const { wanted, requested, webp } = variantOf(options);
    return this.cache.get(this.keyOf(url, options), async () => {
      const source = await this.source(url);
      const width = snapWidth(wanted, source.width);
      const format = outputFormat(requested, source, options.format === 'auto', webp);
      const bytes = await this.resizes(() =>
        makeVariant(source.bytes, width, format, source.animated),
      );
      return { bytes, mime: `image/${format}`, etag: etagOf(bytes) };
    });
  }

  /** The cache key of a variant: the URL, the snapped width, the format the client takes. */
  keyOf(url: string, options: VariantOptions): string {
    const { wanted, requested, webp } = variantOf(options);
    return `${url}\n${wanted}\n${requested}${webp ? '+webp' : ''}`;
  }

  /** The checked original of `url`: from memory, the blob store, or the origin. */
  private source(url: string): Promise<Source> {
    return this.cache.get(`source\n${url}`, async () => {
      const failed = this.failures.get(url);
      if (failed) throw failed;
      const urlKey = sha256(url);
      const { blobs, webImages } = this.ctx.stores;
      // Only where the blobs outlive the process (on disk, S3): in RAM they would be counted
      // twice, beside the cache.
      const durable = !blobs.heldInMemory(`${WEB_IMAGES_PREFIX}${urlKey}`);
      if (durable) {
        const stored = await this.stored(urlKey);
        if (stored) return stored;
      }
      let source: Source;
      try {
        source = await this.fetches(() => this.fetchOriginal(url));
      } catch (error) {
        if (error instanceof AppError && error.code !== 'overloaded') this.failures.set(url, error);
        throw error;
      }
      if (durable) {
        const hash = sha256(source.bytes);
        try {
          await blobs.put(`${WEB_IMAGES_PREFIX}${hash}`, source.bytes);
          await webImages.put(urlKey, hash, this.ctx.clock.now());
        } catch (error) {
          this.ctx.log.warn({ err: error }, 'remote image: not kept in the blob store');
        }
      }
      return source;
    }) as Promise<Source>;
  }

  /** The original kept in the blob store for the URL whose SHA-256 is `urlKey`, if any. */
  private async stored(urlKey: string): Promise<Source | undefined> {
    try {
      const hash = await this.ctx.stores.webImages.get(urlKey);
      const bytes = hash && (await this.ctx.stores.blobs.get(`${WEB_IMAGES_PREFIX}${hash}`));
      return bytes ? describe(bytes, await checkedHeader(bytes, true)) : undefined;
    } catch (error) {
      // The store is away: the origin is still there.
      this.ctx.log.warn({ err: error }, 'remote image: blob store read failed');
      return undefined;
    }
  }

  /** Fetched through the door, typed by its bytes, and through the upload pipeline. */
  private async fetchOriginal(url: string): Promise<Source> {
    // Set aside before reading, so a burst of large images cannot together pass the budget.
    const reservation = this.ctx.accountant.reserve(REMOTE_IMAGE_MAX_BYTES);
    try {
      const { body } = await this.ctx.outbound.get(url, {
        accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8',
        maxBytes: REMOTE_IMAGE_MAX_BYTES,
        requireOk: true,
      });
      const type = await detectFileType(body, '');
      if (type.kind !== 'image') {
        throw new AppError('unsupported_type', 'That address does not lead to an image.');
      }
      // Formats sharp does not draw as browsers do go through the upload pipeline (HEIC to
      // JPEG, an animated PNG to WebP). The rest is kept as fetched, its header checked against
      // the pixel and frame limits: it is never served as is, only as variants, which sharp
      // decodes in full and writes anew without metadata — the upload pipeline's own full
      // decode would be a second one (it proves a file that is kept and served whole).
      if (type.format === 'heif' || type.format === 'apng') {
        const processed = await this.resizes(() => processImage(body, type.format));
        return describe(processed.bytes, await checkedHeader(processed.bytes, true));
      }
      return describe(
        body,
        await checkedHeader(body, type.format === 'gif' || type.format === 'webp'),
      );
    } finally {
      reservation.release();
    }
  }
}

/** A request's width snapped to the thumbnail set, and the format its Accept header points to. */
function variantOf(options: VariantOptions): {
  wanted: number;
  requested: EncodedFormat;
  webp: boolean;
} {
  return {
    wanted: snapWidth(options.width ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    requested: options.format === 'auto' ? negotiate(options.accept) : options.format,
    webp: options.format === 'auto' && /image\/webp/i.test(options.accept ?? ''),
  };
}

/** What a variant needs to know of a checked original. */
function describe(bytes: Buffer, metadata: Metadata): Source {
  return {
    bytes,
    mime: `image/${metadata.format}`,
    etag: etagOf(bytes),
    width: metadata.autoOrient.width,
    animated: (metadata.pages ?? 1) > 1,
    alpha: metadata.hasAlpha,
  };
}

/**
 * The format a variant is written in: as asked, except under `auto`, where an animation becomes
 * WebP when the client takes it and an image with transparency is not flattened into a JPEG.
 */
function outputFormat(
  requested: EncodedFormat,
  source: Source,
  auto: boolean,
  acceptsWebp: boolean,
): EncodedFormat {
  if (!auto) return requested;
  if (source.animated && acceptsWebp) return 'webp';
  if (requested === 'jpeg' && source.alpha) return 'png';
  return requested;
}

function sha256(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

function etagOf(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"`;
}

/** Widths the proxy makes, for the route's validation. */
export const PROXY_MAX_WIDTH = THUMB_WIDTHS[THUMB_WIDTHS.length - 1];
