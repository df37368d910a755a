import { LinkifyIt } from 'linkify-it';
import { LRUCache } from 'lru-cache';
import type { Preview } from '../../protocol/previews.js';
import type { RoomkitContext } from '../core/context.js';
import type { ImageSigner } from '../media/ImageSigner.js';
import type { OEmbedProvider } from './oembed.js';
import { readPage } from './readPage.js';

/** How long a card is reused for the same URL before the page is read again. */
const CARD_TTL_MS = 60 * 60 * 1000;
/** Cards kept at once (small objects: a few hundred bytes each). */
const CARDS_KEPT = 2000;
/** A page that gave no card is not read again for this long. */
const FAILURE_TTL_MS = 5 * 60 * 1000;
/** The logo's path; `domain` and its `sig` go in the query (the client adds `theme`). */
export const LOGO_PATH = '/api/logo';

// As the web client finds links (features/chat/linkify.ts): schemes written out, no guessing.
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

/** The first http(s) link in a message's text, as the web client underlines it. */
export function firstLink(text: string): string | undefined {
  for (const match of linkify.match(text) ?? []) {
    if (match.schema === 'http:' || match.schema === 'https:') return match.url;
  }
  return undefined;
}

/**
 * Link cards: a page's title, description, site name, image and logo, read through the outbound
 * door (readPage) and handed out with this server's URLs for the pictures (the image proxy's
 * signed URLs, the logo route's), so no member's browser ever contacts the site. Cards are kept
 * an hour per URL, failures five minutes; concurrent requests for one URL read the page once.
 */
export class LinkCards {
  private readonly cards = new LRUCache<string, Preview | false>({
    max: CARDS_KEPT,
    ttl: CARD_TTL_MS,
  });
  private readonly pending = new Map<string, Promise<Preview | false>>();

  constructor(
    private readonly ctx: RoomkitContext,
    private readonly signer: ImageSigner,
    private readonly options: { oembedProviders?: readonly OEmbedProvider[] } = {},
  ) {}

  /** Whether the card of `url` is at hand, so asking for it costs no fetch. */
  has(url: string): boolean {
    return this.cards.has(url);
  }

  /**
   * The card of `url`: fields the page did not give are null; a bot-challenge page ("Just a
   * moment…") gives a card with only its URL. Rejects with the door's errors.
   */
  async card(url: string): Promise<Preview> {
    const cached = this.cards.get(url);
    if (cached !== undefined) return cached || bare(url);
    let running = this.pending.get(url);
    if (!running) {
      running = this.read(url).finally(() => this.pending.delete(url));
      this.pending.set(url, running);
    }
    return (await running) || bare(url);
  }

  /** The logo URL of a site (signed: `domain` only, so the client may add `theme`). */
  logoUrl(domain: string): string {
    const query = new URLSearchParams({ domain, sig: this.signer.sign(logoSubject(domain)) });
    return `${LOGO_PATH}?${query.toString()}`;
  }

  private async read(url: string): Promise<Preview | false> {
    let page;
    try {
      page = await readPage(this.ctx.outbound, url, this.options);
    } catch (error) {
      this.cards.set(url, false, { ttl: FAILURE_TTL_MS });
      throw error;
    }
    if (page.challenge) {
      this.cards.set(url, false, { ttl: FAILURE_TTL_MS });
      return false;
    }
    const card: Preview = {
      url,
      title: page.title ?? null,
      description: page.description ?? null,
      siteName: page.siteName ?? null,
      image: page.image === undefined ? null : this.signer.proxyUrl(page.image),
      icon: this.logoUrl(new URL(page.url).host),
    };
    this.cards.set(url, card);
    return card;
  }
}

/** What the logo route's signature covers. */
export function logoSubject(domain: string): string {
  return `logo:${domain}`;
}

/** The card of a page that gave nothing to show: the link alone. */
function bare(url: string): Preview {
  return { url, title: null, description: null, siteName: null, image: null, icon: null };
}

/** Whether a card has something to show beside the link itself. */
export function worthShowing(card: Preview): boolean {
  return card.title !== null || card.image !== null;
}
