import { describe, expect, it } from 'vitest';
import { fileLinks, isImage, usableWidths } from './fileLinks.js';

describe('fileLinks', () => {
  const links = fileLinks('room_1', 'tok/en+=');

  it('puts the token in the query of the original and of thumbnails, escaped', () => {
    expect(links.original({ id: 'f1' })).toBe('/api/rooms/room_1/files/f1?token=tok%2Fen%2B%3D');
    expect(links.thumb({ id: 'f1' }, 480)).toBe(
      '/api/rooms/room_1/files/f1/thumb?w=480&format=auto&token=tok%2Fen%2B%3D',
    );
  });

  it('offers every width for a large image', () => {
    const srcSet = links.srcSet({ id: 'f1', width: 4000 }, [256, 480, 960]);
    expect(srcSet.split(', ').map((candidate) => candidate.split(' ')[1])).toEqual([
      '256w',
      '480w',
      '960w',
    ]);
  });
});

describe('usableWidths', () => {
  it('never describes a thumbnail as wider than the original', () => {
    expect(usableWidths(300, [256, 480, 960])).toEqual([256, 300]);
    expect(usableWidths(200, [256, 480, 960])).toEqual([200]);
    expect(usableWidths(480, [256, 480, 960])).toEqual([256, 480]);
  });

  it('offers all widths when the original width is unknown', () => {
    expect(usableWidths(undefined, [256, 480])).toEqual([256, 480]);
  });
});

describe('isImage', () => {
  it('goes by the MIME type the server decided from the bytes', () => {
    expect(isImage({ mime: 'image/jpeg', width: 640 })).toBe(true);
    expect(isImage({ mime: 'image/webp', width: 48 })).toBe(true);
    expect(isImage({ mime: 'application/pdf' })).toBe(false);
  });

  it('shows only what the server’s image pipeline made: a type it writes, with a size', () => {
    expect(isImage({ mime: 'application/octet-stream' })).toBe(false);
    // Stored so by an older server, which kept these as plain files under their image type.
    expect(isImage({ mime: 'image/tiff' })).toBe(false);
    expect(isImage({ mime: 'image/apng' })).toBe(false);
    expect(isImage({ mime: 'image/x-canon-cr2' })).toBe(false);
    expect(isImage({ mime: 'image/png' })).toBe(false);
  });
});

describe('the widths asked for', () => {
  it('are widths the server keeps thumbnails at', async () => {
    const { THUMB_WIDTHS } = await import('../../../protocol/constants.js');
    const { GALLERY_WIDTHS, LIGHTBOX_WIDTHS } = await import('./fileLinks.js');
    for (const width of [...GALLERY_WIDTHS, ...LIGHTBOX_WIDTHS, 480, 1920]) {
      expect(THUMB_WIDTHS).toContain(width);
    }
  });
});
