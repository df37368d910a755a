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

/**
 * A valid black-and-white PNG of `width` x `height` pixels, all white, written directly (1 bit
 * per pixel, maximum deflate): a decompression bomb of 20000 x 20000 is about 50 KB on the wire.
 * sharp could make it too, but needs several seconds for the 400 million pixels.
 */
export function solidPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const row = Buffer.alloc(1 + Math.ceil(width / 8), 0xff);
  row[0] = 0; // filter: none
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)), {
    level: 9,
  });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
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
