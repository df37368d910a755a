/**
 * Limits and alphabets of the public contract, free of zod so the web client can import them
 * without bundling the schemas.
 */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;
/** Join codes use an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V). */
export const JOIN_CODE_ALPHABET = '34679ACDEFGHJKMNPQRTWXY';
export const JOIN_CODE_LENGTH = 6;
/** How long before a room's expiry its members get `room:expiring`, in seconds, latest last. */
export const ROOM_EXPIRY_WARNINGS = [300, 60] as const;
export const MESSAGE_MAX_CHARS = 4000;
export const HISTORY_PAGE_MAX = 200;
export const HISTORY_PAGE_DEFAULT = 50;
/** Thumbnail widths: a requested width is rounded up to one of these (API.md, "Files and images"). */
export const THUMB_WIDTHS = [64, 128, 256, 320, 480, 640, 960, 1280, 1920, 2048] as const;
/**
 * The types a file is shown as (inline, with thumbnails), which are what the server's image
 * pipeline writes. A file of any other type, an image type included, is a download.
 */
export const SHOWN_IMAGE_TYPES: readonly string[] = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
];
/** Images over this many pixels are refused as decompression bombs. */
export const MAX_IMAGE_PIXELS = 100_000_000;
export const FILE_NAME_MAX = 120;
/** Bounds of a new account password; the server also refuses the most common ones. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
