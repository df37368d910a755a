import { Parser } from 'htmlparser2';

/** What a page's `<head>` says, before cleaning: raw text and hrefs, as written. */
export interface HeadFindings {
  /** `<meta property|name=… content=…>`, the first non-blank value of each name read. */
  meta: ReadonlyMap<string, string>;
  /** The first `<title>`'s text. */
  title?: string;
  /** The first `<base href>`. */
  base?: string;
  icons: readonly RawIcon[];
  /** The first `<link rel="manifest">`'s href. */
  manifest?: string;
}

export interface RawIcon {
  href: string;
  rel: 'icon' | 'apple-touch-icon';
  sizes?: string;
  type?: string;
}

/** The `<meta>` names a preview reads (OpenGraph, Twitter cards, HTML). */
export const META_NAMES = new Set([
  'og:title',
  'og:description',
  'og:site_name',
  'og:image',
  'og:image:url',
  'og:image:secure_url',
  'twitter:title',
  'twitter:description',
  'twitter:image',
  'twitter:image:src',
  'description',
]);

/** Icons kept at most: enough for every size a site declares, bounded for a hostile one. */
const MAX_ICONS = 32;

/**
 * Reads a page's `<head>` as its text arrives (htmlparser2, entities decoded) and says when it
 * is `done`: at `</head>` or at the first `<body>`, where it stops parsing even the rest of the
 * chunk in hand, so nothing of the body is ever taken for metadata.
 *
 * Only the document's own title counts: a `<title>` inside `<svg>` or `<math>` is an element
 * of that image, not of the page.
 */
export class HeadReader {
  done = false;
  private readonly parser: Parser;
  private readonly meta = new Map<string, string>();
  private readonly icons: RawIcon[] = [];
  private title: string | undefined;
  private base: string | undefined;
  private manifest: string | undefined;
  /** The title's text so far, while inside the first `<title>`. */
  private titleText: string[] | undefined;
  /** How deep inside `<svg>` / `<math>` the parser is. */
  private foreign = 0;

  constructor() {
    this.parser = new Parser(
      {
        onopentag: (name, attributes) => this.open(name, attributes),
        ontext: (text) => this.titleText?.push(text),
        onclosetag: (name) => this.close(name),
      },
      { decodeEntities: true },
    );
  }

  /** Parses the next piece of the page's text (nothing once done). */
  write(text: string): void {
    if (!this.done && text !== '') this.parser.write(text);
  }

  /** The page ended (or was cut off): closes what is open, a pending `<title>` included. */
  end(): void {
    if (!this.done) this.parser.end();
    this.finishTitle();
  }

  findings(): HeadFindings {
    return {
      meta: this.meta,
      title: this.title,
      base: this.base,
      icons: this.icons,
      manifest: this.manifest,
    };
  }

  /** Whether anything a preview could use was found. */
  found(): boolean {
    return (
      this.meta.size > 0 ||
      this.title !== undefined ||
      this.icons.length > 0 ||
      this.manifest !== undefined
    );
  }

  private open(name: string, attributes: Record<string, string>): void {
    if (this.done) return;
    if (name === 'svg' || name === 'math') this.foreign++;
    if (this.foreign > 0) return;
    switch (name) {
      case 'body':
        this.stop();
        return;
      case 'title':
        if (this.title === undefined && this.titleText === undefined) this.titleText = [];
        return;
      case 'meta':
        this.readMeta(attributes);
        return;
      case 'base':
        if (this.base === undefined && attributes.href !== undefined) this.base = attributes.href;
        return;
      case 'link':
        this.readLink(attributes);
        return;
    }
  }

  private close(name: string): void {
    if (this.done) return;
    if (name === 'svg' || name === 'math') this.foreign = Math.max(0, this.foreign - 1);
    else if (name === 'title') this.finishTitle();
    else if (name === 'head') this.stop();
  }

  private stop(): void {
    this.finishTitle();
    this.done = true;
    this.parser.pause();
  }

  private finishTitle(): void {
    if (this.titleText === undefined) return;
    this.title = this.titleText.join('');
    this.titleText = undefined;
  }

  private readMeta(attributes: Record<string, string>): void {
    const content = attributes.content;
    if (content === undefined || content.trim() === '') return;
    for (const key of [attributes.property, attributes.name]) {
      const name = key?.trim().toLowerCase();
      if (name !== undefined && META_NAMES.has(name) && !this.meta.has(name)) {
        this.meta.set(name, content);
      }
    }
  }

  /**
   * Icons and the manifest. A `<link rel="alternate" type="application/json+oembed">` is not
   * read at all: a page does not get to choose where this server sends its next request.
   */
  private readLink(attributes: Record<string, string>): void {
    const { href } = attributes;
    if (href === undefined || href.trim() === '') return;
    const rels = new Set((attributes.rel ?? '').toLowerCase().split(/\s+/));
    if (rels.has('manifest') && this.manifest === undefined) this.manifest = href;
    const rel = rels.has('icon')
      ? 'icon'
      : rels.has('apple-touch-icon') || rels.has('apple-touch-icon-precomposed')
        ? 'apple-touch-icon'
        : undefined;
    if (rel === undefined || this.icons.length >= MAX_ICONS) return;
    this.icons.push({ href, rel, sizes: attributes.sizes, type: attributes.type });
  }
}
