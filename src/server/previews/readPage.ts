import { AppError } from '../core/AppError.js';
import type { Outbound, OutboundStream } from '../outbound/Outbound.js';
import { reasonOf, upstreamFailed } from '../outbound/outboundErrors.js';
import { isChallenge } from './challenges.js';
import { HeadReader, type HeadFindings } from './HeadReader.js';
import {
  fetchOEmbed,
  OEMBED_PROVIDERS,
  oembedProvider,
  type OEmbedAnswer,
  type OEmbedProvider,
} from './oembed.js';
import { PageDecoder } from './PageDecoder.js';
import { absoluteHttpUrl, cleanText, TEXT_LIMITS, withoutUndefined } from './pageText.js';

export interface PageIcon {
  url: string;
  rel: 'icon' | 'apple-touch-icon';
  sizes?: string;
  type?: string;
}

export interface PageMetadata {
  /** The final URL, after redirects. */
  url: string;
  title?: string;
  description?: string;
  siteName?: string;
  /** Absolute http(s): og:image:secure_url, og:image, twitter:image, or the URL itself if an image. */
  image?: string;
  /** From `<link rel="icon" | "shortcut icon" | "apple-touch-icon">`, in page order. */
  icons: PageIcon[];
  /** Absolute URL of `<link rel="manifest">`. */
  manifest?: string;
  /** A bot-challenge or block page: nothing else is filled in. */
  challenge?: true;
}

export interface ReadPageOptions {
  signal?: AbortSignal;
  /** The oEmbed providers asked (OEMBED_PROVIDERS; tests bring their own). */
  oembedProviders?: readonly OEmbedProvider[];
}

/** A page's head is in its first kilobytes; a page that never ends is read no further. */
export const PAGE_MAX_BYTES = 512 * 1024;
const ACCEPT = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1';
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
/** The statuses a challenge or block page comes with; others that are not 2xx are not read. */
const CHALLENGE_STATUSES = new Set([403, 429, 503]);

/**
 * What the page at `url` says about itself, for a link preview. It never fetches anything the
 * page points to (images, icons, a discovered oEmbed link): those stay strings, for the image
 * proxy to fetch later through its own checks.
 *
 * Only the `<head>` is read, as it streams in (at most 512 KiB), in the encoding a browser
 * would pick. A page cut off by that cap or by the door's timeout keeps what was read of it,
 * if anything; otherwise the door's error is thrown. An image comes back as its own `image`;
 * another type that is not HTML as the URL alone. A bot challenge comes back as `challenge`,
 * whatever its status; any other answer that is not 2xx throws `upstream_failed` (`status`).
 *
 * A URL of an oEmbed provider of the table is asked at its endpoint instead of (or, for
 * providers whose pages are readable, in addition to) reading the page: see oembed.ts.
 */
export async function readPage(
  outbound: Outbound,
  url: string,
  options: ReadPageOptions = {},
): Promise<PageMetadata> {
  const { signal } = options;
  const providers = options.oembedProviders ?? OEMBED_PROVIDERS;
  const provider = oembedProvider(url, providers);
  if (provider && !provider.pages) {
    const card = await askOEmbed(outbound, provider, url, signal);
    // A failed endpoint (a deleted post, an outage) leaves the page, whatever it may say.
    if (card?.title !== undefined) return withOEmbed({ url: new URL(url).href, icons: [] }, card);
    const page = await readHtml(outbound, url, signal);
    return card ? withOEmbed(page, card) : page;
  }
  const page = await readHtml(outbound, url, signal);
  // The page may have been reached through a redirect (a short link) into a provider's site.
  const late = oembedProvider(page.url, providers) ?? provider;
  if (!late || (!page.challenge && page.title && page.siteName && page.image)) return page;
  const card = await askOEmbed(outbound, late, page.url, signal);
  return card ? withOEmbed(page, card) : page;
}

/** The door's answer for a page, read as far as its head. */
async function readHtml(
  outbound: Outbound,
  url: string,
  signal: AbortSignal | undefined,
): Promise<PageMetadata> {
  // Not `requireOk`: a challenge comes with 403, 429 or 503, and must be recognised first.
  const response = await outbound.open(url, { accept: ACCEPT, maxBytes: PAGE_MAX_BYTES, signal });
  const { status, headers } = response;
  const finalUrl = response.url.href;
  const ok = status >= 200 && status <= 299;
  if (isChallenge(status, headers, undefined)) {
    response.cancel();
    return { url: finalUrl, icons: [], challenge: true };
  }
  const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase() || undefined;
  // Without a Content-Type, a browser would sniff; reading it as HTML finds nothing in a
  // file that is not, within the same cap.
  const html = type === undefined || HTML_TYPES.has(type);
  if (!ok && !(html && CHALLENGE_STATUSES.has(status))) {
    response.cancel();
    throw upstreamFailed('status', { status });
  }
  if (!html) {
    response.cancel();
    const image = type?.startsWith('image/') ? absoluteHttpUrl(finalUrl, finalUrl) : undefined;
    return image === undefined ? { url: finalUrl, icons: [] } : { url: finalUrl, image, icons: [] };
  }
  const head = await readHead(response);
  if (isChallenge(status, headers, cleanText(head.title, TEXT_LIMITS.title))) {
    return { url: finalUrl, icons: [], challenge: true };
  }
  if (!ok) throw upstreamFailed('status', { status });
  return metadata(finalUrl, head);
}

/**
 * Streams the body through the decoder into the head reader, and stops at the end of the head.
 * The door's `too_large` (a page that never ends, a gzip bomb) and `timeout` (one that trickles)
 * end the reading with what it found; if it found nothing, they are thrown.
 */
async function readHead(response: OutboundStream): Promise<HeadFindings> {
  const reader = new HeadReader();
  const decoder = new PageDecoder(response.headers['content-type']);
  let cutOff: AppError | undefined;
  try {
    for await (const chunk of response.body) {
      reader.write(decoder.write(chunk));
      if (reader.done) break;
    }
  } catch (error) {
    const reason = reasonOf(error);
    if (!(error instanceof AppError) || (reason !== 'too_large' && reason !== 'timeout')) {
      throw error;
    }
    cutOff = error;
  }
  if (!reader.done) {
    reader.write(decoder.end());
    reader.end();
  }
  if (cutOff !== undefined && !reader.found()) throw cutOff;
  return reader.findings();
}

/** The findings cleaned: OpenGraph first, then Twitter cards, then plain HTML. */
function metadata(finalUrl: string, head: HeadFindings): PageMetadata {
  const { meta } = head;
  const base = absoluteHttpUrl(head.base, finalUrl) ?? finalUrl;
  const text = (limit: number, ...values: (string | undefined)[]) =>
    values.map((value) => cleanText(value, limit)).find((value) => value !== undefined);
  const image = [
    'og:image:secure_url',
    'og:image',
    'og:image:url',
    'twitter:image',
    'twitter:image:src',
  ]
    .map((name) => absoluteHttpUrl(meta.get(name)?.trim(), base))
    .find((value) => value !== undefined);
  const icons: PageIcon[] = [];
  for (const icon of head.icons) {
    const url = absoluteHttpUrl(icon.href.trim(), base);
    if (url === undefined || icons.some((seen) => seen.url === url && seen.rel === icon.rel)) {
      continue;
    }
    icons.push(
      withoutUndefined({
        url,
        rel: icon.rel,
        sizes: cleanText(icon.sizes, 100),
        type: cleanText(icon.type, 100),
      }),
    );
  }
  return withoutUndefined({
    url: finalUrl,
    title: text(TEXT_LIMITS.title, meta.get('og:title'), meta.get('twitter:title'), head.title),
    description: text(
      TEXT_LIMITS.description,
      meta.get('og:description'),
      meta.get('twitter:description'),
      meta.get('description'),
    ),
    siteName: text(TEXT_LIMITS.siteName, meta.get('og:site_name')),
    image,
    icons,
    manifest: absoluteHttpUrl(head.manifest?.trim(), base),
  });
}

/** What a provider's oEmbed answer gives a card, cleaned like a page's. */
interface OEmbedCard {
  title?: string;
  siteName?: string;
  image?: string;
}

/**
 * The provider's answer about `pageUrl`, or undefined if its endpoint failed: the page is the
 * fallback, so only a stop through `signal` is thrown.
 */
async function askOEmbed(
  outbound: Outbound,
  provider: OEmbedProvider,
  pageUrl: string,
  signal: AbortSignal | undefined,
): Promise<OEmbedCard | undefined> {
  let endpoint: URL;
  let answer: OEmbedAnswer;
  try {
    ({ endpoint, answer } = await fetchOEmbed(outbound, provider, pageUrl, { signal }));
  } catch (error) {
    if (signal?.aborted) throw error;
    return undefined;
  }
  return withoutUndefined({
    // A post (X) has an author but no title: the author is what a card can say of it.
    title:
      cleanText(answer.title, TEXT_LIMITS.title) ??
      cleanText(answer.author_name, TEXT_LIMITS.title),
    siteName: cleanText(answer.provider_name, TEXT_LIMITS.siteName),
    image: absoluteHttpUrl(answer.thumbnail_url?.trim(), endpoint),
  });
}

/**
 * `page` with the gaps filled from `card`. A challenge page whose provider answered becomes
 * the provider's card: the answer is about the very URL the page was to be read for.
 */
function withOEmbed(page: PageMetadata, card: OEmbedCard): PageMetadata {
  if (page.challenge) {
    return card.title === undefined ? page : { url: page.url, icons: [], ...card };
  }
  return withoutUndefined({
    ...page,
    title: page.title ?? card.title,
    siteName: page.siteName ?? card.siteName,
    image: page.image ?? card.image,
  });
}
