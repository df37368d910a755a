import { pngChunk } from './pngChunk.js';

/**
 * Lossless metadata removal for JPEG and PNG (docs/decisions/014): the file is walked segment by
 * segment (chunk by chunk) and written again with only what draws the picture — the compressed
 * pixels byte for byte, the tables and headers they need, the ICC colour profile and the EXIF
 * orientation as the one tag left — and nothing after the end-of-image marker.
 *
 * Anything the walk does not recognise or cannot check (a length running past the end, no
 * end-of-image marker, a marker out of place, a critical PNG chunk it does not know) makes it
 * answer undefined, and the caller re-encodes instead. The walk is one pass over the bytes: each
 * step moves forward by at least two bytes, and the number of steps is capped.
 */
export function stripMetadata(bytes: Buffer, format: 'jpeg' | 'png'): Buffer | undefined {
  return format === 'jpeg' ? stripJpeg(bytes) : stripPng(bytes);
}

/** More segments or chunks than this is not a photo; the file is re-encoded instead. */
const MAX_PARTS = 10_000;

/** The EXIF Orientation tag (TIFF tag 274). */
const ORIENTATION_TAG = 0x0112;

/**
 * The orientation (2–8) a TIFF block (what EXIF is) states in its first IFD, or undefined when it
 * states none, states 1 ("upright") or cannot be read.
 */
export function exifOrientation(tiff: Buffer): number | undefined {
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 4);
  const little = order === 'II*\0';
  if (!little && order !== 'MM\0*') return undefined;
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd < 8 || ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  if (ifd + 2 + 12 * count > tiff.length) return undefined;
  for (let entry = ifd + 2; entry < ifd + 2 + 12 * count; entry += 12) {
    if (u16(entry) !== ORIENTATION_TAG) continue;
    // SHORT, one value: it sits in the first two bytes of the value field.
    if (u16(entry + 2) !== 3 || u32(entry + 4) !== 1) return undefined;
    const value = u16(entry + 8);
    return value >= 2 && value <= 8 ? value : undefined;
  }
  return undefined;
}

/** A TIFF block holding only an Orientation tag: 26 bytes, never more than the EXIF it replaces. */
function orientationOnly(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM\0*', 0, 'latin1');
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(ORIENTATION_TAG, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  // The next-IFD offset (bytes 22–25) stays 0: there is no other IFD.
  return tiff;
}

// --- JPEG ------------------------------------------------------------------------------------

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;

/** Frame headers (SOF0–SOF15 without DHT, JPG and DAC, which share the range). */
const isFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
/** Tables and settings a decoder needs: DHT, DAC, DQT, DRI. */
const TABLES = new Set([0xc4, 0xcc, 0xdb, 0xdd]);

const EXIF_ID = Buffer.from('Exif\0\0', 'latin1');
const ICC_ID = Buffer.from('ICC_PROFILE\0', 'latin1');
const JFIF_ID = Buffer.from('JFIF\0', 'latin1');
const ADOBE_ID = Buffer.from('Adobe', 'latin1');

function segment(marker: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/**
 * Kept: the frame header, tables, scans (their entropy-coded data copied as is), ICC profile
 * (APP2 ICC_PROFILE), the JFIF header without its thumbnail, the Adobe header (APP14: it says
 * whether the colours are YCbCr, RGB or CMYK) and the orientation of the first EXIF block. Dropped:
 * the rest of EXIF (GPS, camera, thumbnail), XMP, IPTC, MPF and every other APPn, comments, and
 * whatever follows EOI.
 */
function stripJpeg(input: Buffer): Buffer | undefined {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== SOI) return undefined;
  const out: Buffer[] = [input.subarray(0, 2)];
  let at = 2;
  let frame = false;
  let scans = 0;
  let exifSeen = false;
  let jfifSeen = false;
  for (let parts = 0; parts < MAX_PARTS; parts++) {
    if (input[at] !== 0xff) return undefined;
    // Any number of 0xFF may pad a marker; they are not kept.
    let m = at + 1;
    while (m < input.length && input[m] === 0xff) m++;
    if (m >= input.length) return undefined;
    const marker = input[m]!;
    if (marker === EOI) {
      if (!frame || scans === 0) return undefined;
      out.push(Buffer.from([0xff, EOI]));
      return Buffer.concat(out);
    }
    if (m + 3 > input.length) return undefined;
    const end = m + 1 + input.readUInt16BE(m + 1);
    if (end < m + 3 || end > input.length) return undefined;
    const whole = input.subarray(m - 1, end);
    const data = input.subarray(m + 3, end);
    if (marker === SOS) {
      if (!frame) return undefined;
      out.push(whole);
      const scanEnd = endOfScan(input, end);
      if (scanEnd === undefined) return undefined;
      out.push(input.subarray(end, scanEnd));
      scans++;
      at = scanEnd;
      continue;
    }
    if (isFrame(marker)) {
      if (frame) return undefined;
      frame = true;
      out.push(whole);
    } else if (TABLES.has(marker)) {
      out.push(whole);
    } else if (marker === APP0) {
      // JFIF: version, density units, densities (12 bytes with its name), then a thumbnail's size
      // and pixels, written here as "no thumbnail".
      if (!jfifSeen && startsWith(data, JFIF_ID) && data.length >= 14) {
        jfifSeen = true;
        out.push(segment(APP0, Buffer.concat([data.subarray(0, 12), Buffer.alloc(2)])));
      }
    } else if (marker === APP1) {
      if (!exifSeen && startsWith(data, EXIF_ID)) {
        exifSeen = true;
        const orientation = exifOrientation(data.subarray(EXIF_ID.length));
        if (orientation !== undefined) {
          out.push(segment(APP1, Buffer.concat([EXIF_ID, orientationOnly(orientation)])));
        }
      }
    } else if (marker === APP2) {
      if (startsWith(data, ICC_ID)) out.push(whole);
    } else if (marker === APP14) {
      // Version, two flag words and the colour transform: 12 bytes with its name.
      if (startsWith(data, ADOBE_ID) && data.length >= 12) {
        out.push(segment(APP14, data.subarray(0, 12)));
      }
    } else if (!(marker > APP0 && marker <= 0xef) && marker !== COM) {
      // SOI again, a restart marker outside a scan, DNL, hierarchical or JPEG-LS markers…:
      // not a plain baseline or progressive JPEG, so not one to rewrite.
      return undefined;
    }
    at = end;
  }
  return undefined;
}

/**
 * Where a scan's entropy-coded data ends: at the first marker that is not a stuffed 0xFF00 or a
 * restart marker (RST0–RST7), or undefined when the bytes end first.
 */
function endOfScan(input: Buffer, from: number): number | undefined {
  let at = from;
  for (;;) {
    at = input.indexOf(0xff, at);
    if (at < 0 || at + 1 >= input.length) return undefined;
    const next = input[at + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at += 2;
    else if (next === 0xff) at += 1;
    else return at;
  }
}

function startsWith(data: Buffer, id: Buffer): boolean {
  return data.length >= id.length && data.subarray(0, id.length).equals(id);
}

// --- PNG -------------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Chunks that change how the pixels look, kept as they are: the critical ones, transparency,
 * colour (gamma, chromaticities, sRGB, ICC, cICP and HDR mastering data), significant bits,
 * background and pixel size. Every other ancillary chunk goes: text (tEXt, zTXt, iTXt), EXIF
 * beyond its orientation, time, histograms, suggested palettes, and private chunks (Apple's iDOT,
 * which points into the IDAT by offset, would be wrong once anything before it is gone).
 */
const KEPT_CHUNKS = new Set([
  'PLTE',
  'IDAT',
  'tRNS',
  'gAMA',
  'cHRM',
  'sRGB',
  'iCCP',
  'cICP',
  'mDCV',
  'cLLI',
  'sBIT',
  'bKGD',
  'pHYs',
]);

/**
 * Kept: IHDR, the chunks of KEPT_CHUNKS in their place, and the orientation of the first eXIf as
 * an eXIf of its own, just before the first IDAT: browsers ignore an orientation that comes after
 * the pixels, libvips does not, and the thumbnails should turn the way the original does. An
 * unknown critical chunk (one a decoder must understand) is not dropped: the file is left to the
 * re-encoder.
 */
function stripPng(input: Buffer): Buffer | undefined {
  if (input.length < 8 || !input.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  const out: Buffer[] = [PNG_SIGNATURE];
  let at = 8;
  let exifSeen = false;
  let orientation: number | undefined;
  /** Where the first IDAT is in `out`. */
  let idat: number | undefined;
  for (let parts = 0; parts < MAX_PARTS; parts++) {
    if (at + 12 > input.length) return undefined;
    const length = input.readUInt32BE(at);
    if (length > 0x7fff_ffff || at + 12 + length > input.length) return undefined;
    const end = at + 12 + length;
    const type = input.toString('latin1', at + 4, at + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) return undefined;
    if ((parts === 0) !== (type === 'IHDR')) return undefined;
    const whole = input.subarray(at, end);
    if (type === 'IEND') {
      if (idat === undefined) return undefined;
      if (orientation !== undefined) {
        out.splice(idat, 0, pngChunk('eXIf', orientationOnly(orientation)));
      }
      out.push(whole);
      return Buffer.concat(out);
    }
    if (type === 'IHDR' || KEPT_CHUNKS.has(type)) {
      if (type === 'IDAT') idat ??= out.length;
      out.push(whole);
    } else if (type === 'eXIf') {
      if (!exifSeen) {
        exifSeen = true;
        orientation = exifOrientation(input.subarray(at + 8, at + 8 + length));
      }
    } else if (type.charCodeAt(0) < 0x61) {
      // Upper case first letter: critical, and unknown to us.
      return undefined;
    }
    at = end;
  }
  return undefined;
}
