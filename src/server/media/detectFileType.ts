import { fileTypeFromBuffer } from 'file-type';

/** The image formats the pipeline reads (processImage); every other image type is a download. */
export type ImageFormat = 'jpeg' | 'png' | 'apng' | 'webp' | 'gif' | 'avif' | 'heif' | 'tiff';

export type DetectedType =
  | { kind: 'image'; format: ImageFormat; mime: string; ext: string }
  | { kind: 'file'; mime: string; ext: string | undefined }
  | { kind: 'refused'; reason: string };

const images: Record<string, ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/apng': 'apng',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/heic': 'heif',
  'image/heif': 'heif',
  'image/heic-sequence': 'heif',
  'image/heif-sequence': 'heif',
  'image/tiff': 'tiff',
};

/** Types a browser may render as a document, which must never come back from a room. */
const active = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'application/xml',
  'text/xml',
]);
// `xsl:` is a prefix (`<xsl:stylesheet`), so it needs no delimiter after it.
const activeMarkup =
  /<(?:(?:!doctype\s+html|html|svg|script|iframe|object|embed|\?xml|body|head)[\s>/]|xsl:)/i;
const activeExtensions = /\.(?:html?|xhtml|xht|svgz?|xml|xsl|shtml|mht(?:ml)?)$/i;

/**
 * The type of an upload, decided from its bytes (magic numbers), never from its name or declared
 * type. HTML, SVG and XML — whatever they are called — are refused: they could run script if a
 * browser were ever talked into rendering them. Only the formats of `ImageFormat` are images;
 * every other image type is a file of type `application/octet-stream`.
 */
export async function detectFileType(bytes: Uint8Array, name: string): Promise<DetectedType> {
  // Text behind a UTF-16 byte-order mark: FF FE is also a valid MPEG audio frame header, so
  // the magic numbers would call a UTF-16LE page "audio". Its markup decides first.
  const utf16 = utf16Text(bytes);
  if (utf16 !== undefined && activeMarkup.test(utf16)) return { kind: 'refused', reason: 'markup' };
  const detected = await fileTypeFromBuffer(bytes);
  if (detected && active.has(detected.mime)) return { kind: 'refused', reason: 'markup' };
  const format = detected && images[detected.mime];
  if (detected && format) return { kind: 'image', format, mime: detected.mime, ext: detected.ext };
  // Any other image type (camera RAW, Photoshop, BMP, icons, JPEG XL, JPEG 2000…) is one the
  // pipeline cannot read, so it is a download under a type that no client or browser takes for
  // a picture to show; its extension still says what it is.
  if (detected?.mime.startsWith('image/'))
    return { kind: 'file', mime: 'application/octet-stream', ext: detected.ext };
  if (detected) return { kind: 'file', mime: detected.mime, ext: detected.ext };
  // No magic number: text or an unknown binary. Look for markup in the first 64 KiB (after a
  // BOM and white space, and anywhere, since a browser sniffs past leading junk).
  const head = Buffer.from(bytes.subarray(0, 65_536)).toString('utf8').replaceAll('\u0000', '');
  if (activeMarkup.test(head) || activeExtensions.test(name))
    return { kind: 'refused', reason: 'markup' };
  return { kind: 'file', mime: 'application/octet-stream', ext: undefined };
}

/** The first 64 KiB as text, when the bytes start with a UTF-16 byte-order mark. */
function utf16Text(bytes: Uint8Array): string | undefined {
  const le = bytes[0] === 0xff && bytes[1] === 0xfe;
  const be = bytes[0] === 0xfe && bytes[1] === 0xff;
  if (!le && !be) return undefined;
  const head = Buffer.from(bytes.subarray(2, 65_538));
  const even = head.subarray(0, head.byteLength - (head.byteLength % 2));
  return (be ? Buffer.from(even).swap16() : even).toString('utf16le');
}
