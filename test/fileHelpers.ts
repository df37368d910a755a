/**
 * Helpers for the photos-and-files tests: fixtures made with sharp (GPS, orientation, ICC,
 * animation), uploads over multipart and Socket.IO, and downloads with their headers.
 */
import { crc32, deflateSync } from 'node:zlib';
import exifr from 'exifr';
import sharp, { type Sharp } from 'sharp';
import { api, emitAck, type ApiResponse, type Joined, type TestSocket } from './helpers.js';

/** Somewhere in London: present in every fixture that has a location, absent from what is served. */
export const GPS_EXIF = {
  IFD0: { Make: 'TestCam', Model: 'Fixture 1' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '51/1 30/1 0/1',
    GPSLongitudeRef: 'W',
    GPSLongitude: '0/1 7/1 0/1',
  },
};

export const XMP_WITH_LOCATION = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/"
  exif:GPSLatitude="51,30.0N" exif:GPSLongitude="0,7.0W"/>
</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'avif';

/**
 * A photo-like image (a gradient, so encoders have work to do) in `format`, carrying EXIF with
 * GPS (and, for PNG, XMP with a location too).
 */
export function photo(
  format: PhotoFormat,
  options: { width?: number; height?: number; gps?: boolean } = {},
): Promise<Buffer> {
  const { width = 640, height = 480, gps = true } = options;
  let image = gradient(width, height);
  if (gps) image = image.withExif(GPS_EXIF);
  if (gps && format === 'png') image = image.withXmp(XMP_WITH_LOCATION);
  return encodeAs(image, format).toBuffer();
}

export function gradient(width: number, height: number): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = Math.floor((x * 255) / width);
      raw[i + 1] = Math.floor((y * 255) / height);
      raw[i + 2] = 96;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

export function encodeAs(image: Sharp, format: PhotoFormat): Sharp {
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality: 85 });
    case 'png':
      return image.png();
    case 'webp':
      return image.webp({ quality: 80 });
    case 'avif':
      return image.avif({ quality: 50, effort: 0 });
  }
}

/** One PNG chunk: length, type, data and the CRC over type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngHeader(width: number, height: number, depth: number, colourType: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = depth;
  header[9] = colourType;
  return header;
}

/**
 * A valid black-and-white PNG of `width` x `height` pixels, all white, written directly (1 bit
 * per pixel, maximum deflate): a decompression bomb of 20000 x 20000 is about 50 KB on the wire.
 * sharp could make it too, but needs several seconds for the 400 million pixels.
 */
export function solidPng(width: number, height: number): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', pngHeader(width, height, 1, 0)),
    pngChunk('IDAT', bilevelPixels(width, height, true)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function bilevelPixels(width: number, height: number, white: boolean): Buffer {
  const row = Buffer.alloc(1 + Math.ceil(width / 8), white ? 0xff : 0x00);
  row[0] = 0; // filter: none
  return deflateSync(Buffer.concat(Array.from({ length: height }, () => row)), { level: 9 });
}

/** One frame of an animated PNG: a rectangle of one colour. */
export interface ApngFrame {
  /** Red, green, blue and alpha; in a bilevel APNG only white (red > 127) or black. */
  rgba: [number, number, number, number];
  /** Where the frame sits on the canvas; the whole canvas when absent. */
  region?: { x: number; y: number; width: number; height: number };
  delayMs?: number;
  /** APNG_DISPOSE_OP: 0 none, 1 background, 2 previous. */
  dispose?: 0 | 1 | 2;
  /** APNG_BLEND_OP: 0 source, 1 over. */
  blend?: 0 | 1;
}

/**
 * An animated PNG written chunk by chunk (sharp reads only the still image of an APNG and writes
 * none). Pixels are 8-bit RGBA; with `palette`, indices into a PLTE + tRNS of the frames'
 * colours; with `bilevel`, 1 bit per pixel, so that a decompression bomb stays small. With
 * `defaultImage` the still image (IDAT) is that colour and not part of the animation; otherwise
 * it is the first frame. `exif` goes in an eXIf chunk (a bare TIFF block, see `gpsExifBlock`).
 */
export function apng(
  width: number,
  height: number,
  frames: ApngFrame[],
  options: {
    exif?: Buffer;
    bilevel?: boolean;
    palette?: boolean;
    plays?: number;
    defaultImage?: ApngFrame['rgba'];
  } = {},
): Buffer {
  const colours = [...new Set([options.defaultImage, ...frames.map((f) => f.rgba)])]
    .filter((rgba) => rgba !== undefined)
    .map((rgba) => rgba.join());
  const pixels = (rgba: ApngFrame['rgba'], w: number, h: number): Buffer => {
    if (options.bilevel) return bilevelPixels(w, h, rgba[0] > 127);
    const row = options.palette ? Buffer.alloc(1 + w) : Buffer.alloc(1 + w * 4);
    if (options.palette) row.fill(colours.indexOf(rgba.join()), 1);
    else for (let x = 0; x < w; x++) row.set(rgba, 1 + x * 4);
    return deflateSync(Buffer.concat(Array.from({ length: h }, () => row)));
  };
  const control = Buffer.alloc(8);
  control.writeUInt32BE(frames.length, 0);
  control.writeUInt32BE(options.plays ?? 0, 4);
  const [depth, colourType] = options.bilevel ? [1, 0] : options.palette ? [8, 3] : [8, 6];
  const chunks = [
    PNG_SIGNATURE,
    pngChunk('IHDR', pngHeader(width, height, depth, colourType)),
    pngChunk('acTL', control),
  ];
  if (options.palette) {
    const rgba = colours.map((colour) => colour.split(',').map(Number));
    chunks.push(pngChunk('PLTE', Buffer.from(rgba.flatMap((c) => c.slice(0, 3)))));
    chunks.push(pngChunk('tRNS', Buffer.from(rgba.map((c) => c[3]!))));
  }
  if (options.exif) chunks.push(pngChunk('eXIf', options.exif));
  if (options.defaultImage) {
    chunks.push(pngChunk('IDAT', pixels(options.defaultImage, width, height)));
  }
  let sequence = 0;
  frames.forEach((frame, index) => {
    const region = frame.region ?? { x: 0, y: 0, width, height };
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(region.width, 4);
    fctl.writeUInt32BE(region.height, 8);
    fctl.writeUInt32BE(region.x, 12);
    fctl.writeUInt32BE(region.y, 16);
    fctl.writeUInt16BE(frame.delayMs ?? 100, 20);
    fctl.writeUInt16BE(1000, 22);
    fctl[24] = frame.dispose ?? 0;
    fctl[25] = frame.blend ?? 0;
    chunks.push(pngChunk('fcTL', fctl));
    const data = pixels(frame.rgba, region.width, region.height);
    if (index === 0 && !options.defaultImage) {
      chunks.push(pngChunk('IDAT', data));
    } else {
      const number = Buffer.alloc(4);
      number.writeUInt32BE(sequence++, 0);
      chunks.push(pngChunk('fdAT', Buffer.concat([number, data])));
    }
  });
  chunks.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(chunks);
}

/**
 * GPS_EXIF as a bare TIFF block: what PNG's eXIf chunk holds (no "Exif\0\0" in front); with
 * `orientation`, an Orientation tag too.
 */
export async function gpsExifBlock(orientation?: number): Promise<Buffer> {
  let image = sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).withExif(
    GPS_EXIF,
  );
  if (orientation !== undefined) image = image.withMetadata({ orientation });
  const { exif } = await sharp(await image.jpeg().toBuffer()).metadata();
  if (!exif) throw new Error('sharp wrote no EXIF');
  return exif.subarray(6);
}

/** One JPEG marker segment: FF, the marker, the length (2 + data) and the data. */
export function jpegSegment(marker: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/** What a phone or a photo editor writes as text into a JPEG (COM) or PNG (tEXt): never served. */
export const PHOTO_COMMENT = 'Taken at 12 Acacia Avenue';

const XMP_JPEG_ID = 'http://ns.adobe.com/xap/1.0/\0';

/**
 * A 64 x 48 photo stored sideways (EXIF orientation 6: shown 48 x 64), with everything a camera
 * or an editor leaves in a JPEG: EXIF with GPS and camera, XMP with a location, a comment (COM),
 * a Display P3 ICC profile (APP2), and `after` appended past EOI.
 */
export async function taggedJpeg(after: Buffer): Promise<Buffer> {
  const base = await gradient(64, 48).withIccProfile('p3').jpeg({ quality: 85 }).toBuffer();
  const extra = Buffer.concat([
    jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), await gpsExifBlock(6)])),
    jpegSegment(0xe1, Buffer.from(XMP_JPEG_ID + XMP_WITH_LOCATION, 'latin1')),
    jpegSegment(0xfe, Buffer.from(PHOTO_COMMENT, 'latin1')),
  ]);
  // After the JFIF header when there is one: it comes first.
  const at = base[3] === 0xe0 ? 4 + base.readUInt16BE(4) : 2;
  return Buffer.concat([base.subarray(0, at), extra, base.subarray(at), after]);
}

/**
 * The PNG twin of taggedJpeg: eXIf with GPS, camera and orientation 6, XMP (iTXt) with a
 * location, a comment (tEXt), a time stamp (tIME), an ICC profile (iCCP), `after` past IEND.
 */
export async function taggedPng(after: Buffer): Promise<Buffer> {
  const base = await gradient(64, 48).withIccProfile('p3').png().toBuffer();
  const afterHeader = 8 + 12 + 13;
  const extra = Buffer.concat([
    pngChunk('eXIf', await gpsExifBlock(6)),
    // Keyword, no compression, no language, no translated keyword.
    pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0${XMP_WITH_LOCATION}`, 'latin1')),
    pngChunk('tEXt', Buffer.from(`Comment\0${PHOTO_COMMENT}`, 'latin1')),
    pngChunk('tIME', Buffer.from([0x07, 0xea, 6, 1, 12, 0, 0])),
  ]);
  return Buffer.concat([base.subarray(0, afterHeader), extra, base.subarray(afterHeader), after]);
}

/**
 * A JPEG taken apart, for comparing two: its marker segments in order (the scans' headers among
 * them), the entropy-coded data of all its scans, and whatever follows EOI. Throws on anything
 * malformed: it reads fixtures and what the server stored, which must both be well formed.
 */
export function jpegParts(bytes: Buffer): {
  segments: { marker: number; data: Buffer }[];
  scanData: Buffer;
  after: Buffer;
} {
  if (bytes.readUInt16BE(0) !== 0xffd8) throw new Error('no SOI');
  const segments: { marker: number; data: Buffer }[] = [];
  const scans: Buffer[] = [];
  let at = 2;
  for (;;) {
    if (bytes[at] !== 0xff) throw new Error(`no marker at ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0xd9)
      return { segments, scanData: Buffer.concat(scans), after: bytes.subarray(at + 2) };
    const end = at + 2 + bytes.readUInt16BE(at + 2);
    if (end > bytes.length) throw new Error(`segment ${marker.toString(16)} runs past the end`);
    segments.push({ marker, data: bytes.subarray(at + 4, end) });
    at = end;
    if (marker !== 0xda) continue;
    // Entropy-coded data: up to the first 0xFF that is not 0xFF00 or a restart marker.
    let next = at;
    for (;;) {
      next = bytes.indexOf(0xff, next);
      if (next < 0) throw new Error('scan without end');
      const following = bytes[next + 1]!;
      if (following === 0x00 || (following >= 0xd0 && following <= 0xd7)) next += 2;
      else break;
    }
    scans.push(bytes.subarray(at, next));
    at = next;
  }
}

/** A PNG taken apart: its chunks in order, its IDAT data joined, and whatever follows IEND. */
export function pngParts(bytes: Buffer): {
  chunks: { type: string; data: Buffer }[];
  idat: Buffer;
  after: Buffer;
} {
  const chunks: { type: string; data: Buffer }[] = [];
  let at = 8;
  for (;;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > bytes.length) throw new Error(`chunk ${type} runs past the end`);
    chunks.push({ type, data: bytes.subarray(at + 8, at + 8 + length) });
    at = end;
    if (type === 'IEND') break;
  }
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  return { chunks, idat, after: bytes.subarray(at) };
}

type TiffTag = [tag: number, type: 1 | 2 | 3 | 4 | 5 | 7, values: number[] | string];

/** One IFD starting at `at`, with the values that do not fit in an entry right after it. */
function tiffIfd(tags: TiffTag[], at: number): Buffer {
  const sorted = [...tags].sort((a, b) => a[0] - b[0]);
  const head = Buffer.alloc(2 + 12 * sorted.length + 4);
  head.writeUInt16LE(sorted.length, 0);
  const extra: Buffer[] = [];
  let extraAt = at + head.length;
  sorted.forEach(([tag, type, values], index) => {
    let value: Buffer;
    let count: number;
    if (typeof values === 'string') {
      value = Buffer.from(`${values}\0`, 'latin1');
      count = value.length;
    } else {
      const size = { 1: 1, 3: 2, 4: 4, 5: 4, 7: 1 }[type as 1 | 3 | 4 | 5 | 7];
      value = Buffer.alloc(values.length * size);
      values.forEach((v, i) => value.writeUIntLE(v, i * size, size));
      count = type === 5 ? values.length / 2 : values.length;
    }
    const entry = 2 + 12 * index;
    head.writeUInt16LE(tag, entry);
    head.writeUInt16LE(type, entry + 2);
    head.writeUInt32LE(count, entry + 4);
    if (value.length <= 4) {
      value.copy(head, entry + 8);
    } else {
      head.writeUInt32LE(extraAt, entry + 8);
      if (value.length % 2) value = Buffer.concat([value, Buffer.alloc(1)]);
      extra.push(value);
      extraAt += value.length;
    }
  });
  return Buffer.concat([head, ...extra]);
}

/**
 * An uncompressed RGB TIFF written tag by tag (sharp's TIFF writer keeps neither GPS nor alpha),
 * with GPS_EXIF's location in a GPS IFD, and half-transparent with `alpha`. `variant` makes the
 * camera RAW files that are TIFF inside: a Canon CR2 header, or the IFD0 tag that marks a Sony
 * ARW or an Adobe DNG.
 */
export function tiffWithGps(
  width: number,
  height: number,
  options: { variant?: 'tiff' | 'cr2' | 'arw' | 'dng'; alpha?: boolean } = {},
): Buffer {
  const { variant = 'tiff', alpha = false } = options;
  const channels = alpha ? 4 : 3;
  const header = Buffer.alloc(variant === 'cr2' ? 16 : 8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  if (variant === 'cr2') header.write('CR\x02\0', 8, 'latin1');
  const bytes = width * height * channels;
  const pixels = Buffer.alloc(bytes + (bytes % 2));
  for (let i = 0; i < width * height; i++) {
    pixels[i * channels] = Math.floor(((i % width) * 255) / width);
    pixels[i * channels + 1] = Math.floor((Math.floor(i / width) * 255) / height);
    pixels[i * channels + 2] = 96;
    if (alpha) pixels[i * channels + 3] = 128;
  }
  const ifd0At = header.length + pixels.length;
  header.writeUInt32LE(ifd0At, 4);
  const tags = (gpsAt: number): TiffTag[] => [
    [256, 4, [width]],
    [257, 4, [height]],
    [258, 3, Array<number>(channels).fill(8)],
    [259, 3, [1]],
    [262, 3, [2]],
    [271, 2, 'TestCam'],
    [273, 4, [header.length]],
    [277, 3, [channels]],
    [278, 4, [height]],
    [279, 4, [bytes]],
    [284, 3, [1]],
    // ExtraSamples: unassociated alpha.
    ...(alpha ? [[338, 3, [2]] as TiffTag] : []),
    [34853, 4, [gpsAt]],
    ...(variant === 'arw' ? [[50341, 7, [0x50, 0x72, 0x69, 0x6e, 0x74]] as TiffTag] : []),
    ...(variant === 'dng' ? [[50706, 1, [1, 4, 0, 0]] as TiffTag] : []),
  ];
  const gpsAt = ifd0At + tiffIfd(tags(0), ifd0At).length;
  const gps = tiffIfd(
    [
      [0, 1, [2, 3, 0, 0]],
      [1, 2, 'N'],
      [2, 5, [51, 1, 30, 1, 0, 1]],
      [3, 2, 'W'],
      [4, 5, [0, 1, 7, 1, 0, 1]],
    ],
    gpsAt,
  );
  return Buffer.concat([header, pixels, tiffIfd(tags(gpsAt), ifd0At), gps]);
}

/** A ZIP archive with one stored entry (no compression), as a JAR would be. */
export function zipWith(name: string, content: Buffer): Buffer {
  const fileName = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc32(content), 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc32(content), 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, content, central, fileName, end]);
}

/** Random bytes, which no encoder can shrink: a stand-in for any non-image file. */
export function noise(bytes: number, marker = ''): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(Math.random() * 256);
  // Two zero bytes up front: no magic number of file-type starts that way, so this stays a download.
  out[0] = 0;
  out[1] = 0;
  if (marker) out.write(marker, 16, 'latin1');
  return out;
}

/**
 * Where a location hides in `bytes`, or undefined when it has none: EXIF GPS found by an EXIF
 * parser (exifr) in the file as a whole or in any TIFF block inside it — which is how EXIF sits
 * in WebP and AVIF, formats exifr cannot walk itself — and XMP location properties.
 */
export async function locationIn(bytes: Uint8Array): Promise<string | undefined> {
  const buffer = Buffer.from(bytes);
  const whole = await exifr.parse(buffer, { gps: true, xmp: true }).catch(() => undefined);
  if (whole?.latitude !== undefined || whole?.GPSLatitude !== undefined) return 'EXIF GPS (file)';
  for (const header of ['II*\0', 'MM\0*']) {
    for (let at = buffer.indexOf(header, 0, 'latin1'); at >= 0;) {
      const gps = await exifr.gps(buffer.subarray(at)).catch(() => undefined);
      if (gps?.latitude !== undefined) return `EXIF GPS (TIFF block at ${at})`;
      at = buffer.indexOf(header, at + 1, 'latin1');
    }
  }
  if (/GPSLatitude|GPSLongitude/.test(buffer.toString('latin1'))) return 'XMP location';
  return undefined;
}

/** POST /api/rooms/:roomId/files as `member` with the file in field `field` (default "file"). */
export async function uploadMultipart(
  server: { url: string },
  member: Joined,
  bytes: Uint8Array,
  name: string,
  options: { field?: string; type?: string; form?: FormData } = {},
): Promise<ApiResponse> {
  const form = options.form ?? new FormData();
  form.append(
    options.field ?? 'file',
    new Blob([new Uint8Array(bytes)], { type: options.type ?? 'application/octet-stream' }),
    name,
  );
  const response = await fetch(`${server.url}/api/rooms/${member.room.id}/files`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${member.token}` },
  });
  return parseResponse(response);
}

/**
 * A multipart body written by hand, for what FormData would escape: raw quotes, NUL, bidi
 * characters and UTF-8 in the filename, or several files.
 */
export function multipartBody(
  parts: { field: string; filename?: string; type?: string; bytes: Uint8Array }[],
  boundary = `----roomkit${Math.random().toString(16).slice(2)}`,
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.field}"`
        : `form-data; name="${part.field}"; filename="${part.filename}"`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n` +
          `Content-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n`,
        'utf8',
      ),
      Buffer.from(part.bytes),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function postRaw(
  server: { url: string },
  member: Joined,
  body: Uint8Array | ReadableStream<Uint8Array>,
  contentType: string,
): Promise<ApiResponse> {
  const response = await fetch(`${server.url}/api/rooms/${member.room.id}/files`, {
    method: 'POST',
    body: body instanceof ReadableStream ? body : new Uint8Array(body),
    headers: { authorization: `Bearer ${member.token}`, 'content-type': contentType },
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
  return parseResponse(response);
}

export interface Download {
  status: number;
  headers: Headers;
  bytes: Buffer;
  /** The body as JSON when it is an error envelope. */
  json?: any;
}

/** GET a file URL (`/api/rooms/...`) and keep its bytes. */
export async function download(
  server: { url: string },
  path: string,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<Download> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(server.url + path, { headers });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: unknown;
  if (response.headers.get('content-type')?.startsWith('application/json')) {
    json = JSON.parse(bytes.toString('utf8'));
  }
  return { status: response.status, headers: response.headers, bytes, json };
}

export function fileUrl(member: Joined, fileId: string, suffix = ''): string {
  return `/api/rooms/${member.room.id}/files/${fileId}${suffix}`;
}

/** `file:upload` over Socket.IO; resolves with the ack. */
export function uploadSocket(socket: TestSocket, name: string, data: unknown): Promise<any> {
  return emitAck(socket, 'file:upload', { name, data });
}

/** The room as a member sees it over REST. */
export async function roomFiles(server: { url: string }, member: Joined): Promise<any[]> {
  const response = await api(server, 'GET', `/api/rooms/${member.room.id}`, {
    token: member.token,
  });
  return response.body.files;
}

async function parseResponse(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}
