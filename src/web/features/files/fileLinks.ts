/**
 * The media URLs of API.md ("Files and images"). An <img> cannot send an Authorization header,
 * so the room token travels in the query, as the server accepts on these GET routes.
 */
import { SHOWN_IMAGE_TYPES } from '../../../protocol/constants.js';
import type { FileInfo } from '../../../protocol/schemas.js';

/**
 * Widths offered to the browser for gallery and chat thumbnails (each one of the server's
 * THUMB_WIDTHS, so none is rounded to another and cached twice)…
 */
export const GALLERY_WIDTHS = [256, 480, 960] as const;
/** …and for the lightbox, which fills the screen. */
export const LIGHTBOX_WIDTHS = [640, 960, 1280, 1920] as const;

/**
 * Whether a file is shown as a picture: a type the server's image pipeline writes, with the size
 * it records. Anything else is a download link, an image type the server keeps as a download (a
 * camera RAW, or a file stored so by an older server) included.
 */
export function isImage(file: Pick<FileInfo, 'mime' | 'width'>): boolean {
  return SHOWN_IMAGE_TYPES.includes(file.mime) && file.width !== undefined;
}

/** GIFs are shown from the original so animations keep playing. */
export function isAnimatable(file: Pick<FileInfo, 'mime'>): boolean {
  return file.mime === 'image/gif';
}

export interface FileLinks {
  /** The original bytes (images inline, other files as attachments). */
  original(file: Pick<FileInfo, 'id'>): string;
  /** A resized image at least `width` pixels wide when the original is. */
  thumb(file: Pick<FileInfo, 'id'>, width: number): string;
  /**
   * A `srcset` of thumbnails. Widths above the original's are left out (the server would answer
   * the original's width, and the `w` descriptor would then lie about it); the original's own
   * width stands in for them.
   */
  srcSet(file: Pick<FileInfo, 'id' | 'width'>, widths: readonly number[]): string;
}

export function fileLinks(roomId: string, token: string): FileLinks {
  const base = (fileId: string) =>
    `/api/rooms/${encodeURIComponent(roomId)}/files/${encodeURIComponent(fileId)}`;
  const original = (file: Pick<FileInfo, 'id'>) =>
    `${base(file.id)}?${new URLSearchParams({ token })}`;
  const thumb = (file: Pick<FileInfo, 'id'>, width: number) =>
    `${base(file.id)}/thumb?${new URLSearchParams({ w: String(width), format: 'auto', token })}`;
  const srcSet = (file: Pick<FileInfo, 'id' | 'width'>, widths: readonly number[]) =>
    usableWidths(file.width, widths)
      .map((width) => `${thumb(file, width)} ${width}w`)
      .join(', ');
  return { original, thumb, srcSet };
}

/** `widths` below the original's width, then the original's width itself if it is smaller. */
export function usableWidths(
  originalWidth: number | undefined,
  widths: readonly number[],
): number[] {
  if (originalWidth === undefined || originalWidth <= 0) return [...widths];
  const below = widths.filter((width) => width < originalWidth);
  const capped = Math.min(originalWidth, Math.max(...widths));
  return below.includes(capped) ? below : [...below, capped];
}
