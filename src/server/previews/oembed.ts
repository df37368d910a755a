/**
 * oEmbed, for a fixed list of providers only. A page's own `<link rel="alternate"
 * type="application/json+oembed" href>` is never followed: it would let any page send this
 * server to a URL of its choosing, which is how Synapse's previews were turned against its
 * network (GHSA-98px-6486-j7qc). Here a page URL that matches the table is sent to the
 * provider's own https endpoint, through the same outbound door as everything else.
 */
import { z } from 'zod';
import type { Outbound } from '../outbound/Outbound.js';
import { upstreamFailed } from '../outbound/outboundErrors.js';

export interface OEmbedProvider {
  name: string;
  /** Page URLs it answers for, matched against the whole normalised URL (`URL.href`). */
  urls: readonly RegExp[];
  /** Its endpoint, asked `?url=<page>&format=json`. */
  endpoint: string;
  /**
   * Whether its pages say anything to a plain HTTP client. If not (pages built by script,
   * consent walls, bot checks), only the endpoint is asked and the page is read only when the
   * endpoint fails; if so, the page is read and the endpoint fills what the page lacks.
   */
  pages: boolean;
}

/** The providers asked, each for URLs on its own hosts only. */
export const OEMBED_PROVIDERS: readonly OEmbedProvider[] = [
  {
    // Its pages answer European clients with a consent wall ("Before you continue").
    name: 'YouTube',
    urls: [
      /^https?:\/\/(www\.|m\.)?youtube\.com\/(watch\?|shorts\/|live\/|playlist\?|embed\/)/,
      /^https?:\/\/youtu\.be\/[\w-]+/,
    ],
    endpoint: 'https://www.youtube.com/oembed',
    pages: false,
  },
  {
    name: 'Vimeo',
    urls: [
      /^https?:\/\/(www\.)?vimeo\.com\/(\d+|channels\/[\w-]+\/\d+|groups\/[\w-]+\/videos\/\d+|album\/\d+\/video\/\d+|showcase\/\d+)/,
      /^https?:\/\/player\.vimeo\.com\/video\/\d+/,
    ],
    endpoint: 'https://vimeo.com/api/oembed.json',
    pages: true,
  },
  {
    name: 'SoundCloud',
    urls: [
      /^https?:\/\/(www\.|m\.)?soundcloud\.com\/[\w-]+/,
      /^https?:\/\/on\.soundcloud\.com\/\w+/,
    ],
    endpoint: 'https://soundcloud.com/oembed',
    pages: true,
  },
  {
    name: 'Spotify',
    urls: [
      /^https?:\/\/open\.spotify\.com\/(intl-[\w-]+\/)?(track|album|playlist|artist|show|episode)\/\w+/,
    ],
    endpoint: 'https://open.spotify.com/oembed',
    pages: true,
  },
  {
    name: 'Flickr',
    urls: [/^https?:\/\/(www\.)?flickr\.com\/photos\//, /^https?:\/\/flic\.kr\/p\/\w+/],
    endpoint: 'https://www.flickr.com/services/oembed/',
    pages: true,
  },
  {
    // Its pages are built by script for anything but a few crawlers it knows.
    name: 'X',
    urls: [/^https?:\/\/(www\.|mobile\.)?(twitter|x)\.com\/\w+\/status(es)?\/\d+/],
    endpoint: 'https://publish.twitter.com/oembed',
    pages: false,
  },
  {
    // Its pages are built by script and often answer with a bot check.
    name: 'TikTok',
    urls: [
      /^https?:\/\/(www\.|m\.)?tiktok\.com\/@[\w.-]+\/(video|photo)\/\d+/,
      /^https?:\/\/(vm|vt)\.tiktok\.com\/\w+/,
    ],
    endpoint: 'https://www.tiktok.com/oembed',
    pages: false,
  },
];

/** The provider of the table whose URLs `url` is one of; never for a URL with credentials. */
export function oembedProvider(
  url: string,
  providers: readonly OEmbedProvider[],
): OEmbedProvider | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  return providers.find((provider) => provider.urls.some((pattern) => pattern.test(parsed.href)));
}

/** An oEmbed answer is small; one larger than this is not one. */
export const OEMBED_MAX_BYTES = 64 * 1024;

/** A field of the wrong type is ignored, not a reason to drop the rest. */
const optionalText = z.string().optional().catch(undefined);

/** The fields of an oEmbed answer (oembed.com, 2.3.4) a card uses; the rest are let through. */
export const oembedAnswerSchema = z.object({
  title: optionalText,
  author_name: optionalText,
  provider_name: optionalText,
  thumbnail_url: optionalText,
});
export type OEmbedAnswer = z.infer<typeof oembedAnswerSchema>;

/**
 * Asks `provider`'s endpoint about `pageUrl` (JSON, at most 64 KiB, 2xx only). Rejects with the
 * door's errors, or `upstream_failed` (`protocol`) when the answer is not a JSON object.
 */
export async function fetchOEmbed(
  outbound: Outbound,
  provider: OEmbedProvider,
  pageUrl: string,
  options: { signal?: AbortSignal } = {},
): Promise<{ endpoint: URL; answer: OEmbedAnswer }> {
  const endpoint = new URL(provider.endpoint);
  endpoint.searchParams.set('url', pageUrl);
  endpoint.searchParams.set('format', 'json');
  const response = await outbound.get(endpoint, {
    accept: 'application/json',
    maxBytes: OEMBED_MAX_BYTES,
    requireOk: true,
    signal: options.signal,
  });
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw upstreamFailed('protocol', { cause: error });
  }
  const parsed = oembedAnswerSchema.safeParse(json);
  if (!parsed.success) throw upstreamFailed('protocol', { cause: parsed.error });
  return { endpoint: response.url, answer: parsed.data };
}
