import { TextDecoder } from 'node:util';
import { ResultType, Sniffer } from 'encoding-sniffer/sniffer';

/** The bytes the WHATWG prescan looks at for a `<meta charset>` before settling on a default. */
const PRESCAN_BYTES = 1024;
/** A BOM or a UTF-16 XML prefix is in the first 6 bytes; past them only a later `<meta>` counts. */
const PREFIX_BYTES = 6;
/** What the WHATWG algorithm falls back to, as browsers in most locales do. */
const DEFAULT_ENCODING = 'windows-1252';

/**
 * A page's bytes as text, chunk by chunk, in the encoding a browser would pick (the WHATWG
 * sniffing algorithm, through encoding-sniffer): a BOM first, then the Content-Type's charset,
 * then a `<meta charset>` or `http-equiv` within the first 1024 bytes, else windows-1252.
 *
 * Bytes are held back only until the encoding is known: at once after the first 6 bytes when
 * a BOM or the header says, else at the `<meta>` that says, else after 1024 bytes (or at the
 * end). A multi-byte character cut between two chunks comes out whole with the next one.
 */
export class PageDecoder {
  private readonly sniffer: Sniffer;
  private held: Buffer[] = [];
  private seen = 0;
  private decoder: TextDecoder | undefined;

  constructor(contentType: string | undefined) {
    this.sniffer = new Sniffer({
      maxBytes: PRESCAN_BYTES,
      transportLayerEncodingLabel: charsetOf(contentType),
      defaultEncoding: DEFAULT_ENCODING,
    });
  }

  /** The text of `chunk` (and of any bytes held before it), or '' while still sniffing. */
  write(chunk: Buffer): string {
    if (this.decoder) return this.decoder.decode(chunk, { stream: true });
    this.sniffer.write(chunk);
    this.seen += chunk.byteLength;
    this.held.push(chunk);
    const settled =
      this.seen >= PRESCAN_BYTES ||
      (this.seen >= PREFIX_BYTES && this.sniffer.resultType !== ResultType.DEFAULT);
    return settled ? this.release() : '';
  }

  /** The rest: bytes still held (decoded with what was found so far) and any partial character. */
  end(): string {
    const text = this.decoder ? '' : this.release();
    return text + (this.decoder?.decode() ?? '');
  }

  private release(): string {
    const decoder = textDecoder(this.sniffer.encoding);
    this.decoder = decoder;
    const held = Buffer.concat(this.held);
    this.held = [];
    return decoder.decode(held, { stream: true });
  }
}

/** The `charset` parameter of a Content-Type, unquoted. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(contentType ?? '');
  const label = match?.[1] ?? match?.[2];
  return label === undefined || label === '' ? undefined : label;
}

/**
 * Node's decoder for a WHATWG encoding name. The two it lacks are `replacement` (labels of
 * encodings browsers refuse to decode, like ISO-2022-KR) and `x-user-defined`: their pages
 * are read as windows-1252, which at worst yields odd characters, never markup.
 */
function textDecoder(encoding: string): TextDecoder {
  try {
    return new TextDecoder(encoding);
  } catch {
    return new TextDecoder(DEFAULT_ENCODING);
  }
}
