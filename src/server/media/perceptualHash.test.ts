/**
 * The difference hash of a logo: one picture at any size and in any common encoding stays
 * within PLACEHOLDER_DISTANCE bits of itself, different logos fall outside it, and a site's
 * icon is recognised as a well-known default icon through the table.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { bitmapEntry, icoFile } from '../../../test/icoFile.js';
import {
  PLACEHOLDER_DISTANCE,
  PLACEHOLDER_ICONS,
  hammingDistance,
  isPlaceholderIcon,
  matchPlaceholderIcon,
  perceptualHash,
} from './perceptualHash.js';

const svg = (body: string) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">${body}</svg>`);

/** Logos drawn here: different shapes, colours and amounts of transparency. */
const logos = {
  bubble: svg(
    '<rect x="32" y="40" width="192" height="128" rx="28" fill="#4f46e5"/>' +
      '<path d="M80 168 L64 224 L128 168 Z" fill="#4f46e5"/>',
  ),
  rings: svg(
    '<circle cx="96" cy="128" r="64" fill="none" stroke="#e11d48" stroke-width="24"/>' +
      '<circle cx="168" cy="128" r="64" fill="none" stroke="#0ea5e9" stroke-width="24"/>',
  ),
  stripes: svg(
    '<rect width="256" height="256" fill="#111827"/>' +
      '<rect x="40" y="40" width="40" height="176" fill="#fbbf24"/>' +
      '<rect x="108" y="88" width="40" height="128" fill="#fbbf24"/>' +
      '<rect x="176" y="136" width="40" height="80" fill="#fbbf24"/>',
  ),
  letter: svg('<path d="M48 224 L128 32 L208 224 L168 224 L128 120 L88 224 Z" fill="#16a34a"/>'),
  wave: svg(
    '<path d="M0 160 C64 64 128 224 256 96 L256 256 L0 256 Z" fill="#0f766e"/>' +
      '<circle cx="200" cy="56" r="28" fill="#f97316"/>',
  ),
};

/** The copies a site or a CDN might serve of one logo. */
async function copies(logo: Buffer): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const size of [16, 32, 64]) {
    const resized = sharp(logo).resize(size, size);
    out[`${size} px PNG`] = await resized.clone().png().toBuffer();
    // JPEG has no alpha; a site converting flattens onto white, as the hash does.
    out[`${size} px JPEG`] = await resized
      .clone()
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 75 })
      .toBuffer();
    out[`${size} px WebP`] = await resized.clone().webp({ quality: 75 }).toBuffer();
  }
  return out;
}

describe('perceptualHash', () => {
  it('is 16 hex digits, set where the right neighbour is brighter, the top-left pair first', async () => {
    const ramp = (direction: 'right' | 'left') =>
      sharp(
        svg(
          `<defs><linearGradient id="g" x1="${direction === 'right' ? 0 : 1}" x2="${direction === 'right' ? 1 : 0}">` +
            '<stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#fff"/>' +
            '</linearGradient></defs><rect width="256" height="256" fill="url(#g)"/>',
        ),
      )
        .png()
        .toBuffer();
    expect(await perceptualHash(await ramp('right'))).toBe('ffffffffffffffff');
    expect(await perceptualHash(await ramp('left'))).toBe('0000000000000000');
    // Black over the left half of the top row only (on white): the fifth of nine cells holds
    // the edge and is grey, so the fourth and fifth pairs of the first row rise, nothing else.
    const topLeft = svg('<rect width="128" height="32" fill="#000"/>');
    expect(await perceptualHash(topLeft)).toBe('1800000000000000');
  });

  it('keeps one logo within the distance at 16, 32 and 64 px, as PNG, JPEG and WebP', async () => {
    for (const [name, logo] of Object.entries(logos)) {
      const original = await perceptualHash(logo);
      for (const [copy, bytes] of Object.entries(await copies(logo))) {
        const distance = hammingDistance(original, await perceptualHash(bytes));
        expect(distance, `${name}, ${copy}`).toBeLessThanOrEqual(PLACEHOLDER_DISTANCE);
      }
    }
  });

  it('puts different logos further apart than the distance', async () => {
    const hashes = await Promise.all(Object.values(logos).map((logo) => perceptualHash(logo)));
    const names = Object.keys(logos);
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        expect(
          hammingDistance(hashes[i]!, hashes[j]!),
          `${names[i]} / ${names[j]}`,
        ).toBeGreaterThan(PLACEHOLDER_DISTANCE);
      }
    }
  });

  it('hashes an icon file as the picture inside it', async () => {
    const { data, info } = await sharp(logos.bubble)
      .resize(48, 48)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const ico = icoFile([
      { data: bitmapEntry({ width: 48, height: 48, rgba: data }, { bitCount: 32 }), ...info },
    ]);
    const png = await sharp(data, { raw: { width: 48, height: 48, channels: 4 } })
      .png()
      .toBuffer();
    expect(await perceptualHash(ico)).toBe(await perceptualHash(png));
  });
});

describe('hammingDistance', () => {
  it('counts the differing bits, and refuses what is not a hash', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('F0F0F0F0F0F0F0F0', 'f0f0f0f0f0f0f0f1')).toBe(1);
    expect(() => hammingDistance('abc', '0000000000000000')).toThrow(TypeError);
    expect(() => hammingDistance('000000000000000g', '0000000000000000')).toThrow(TypeError);
  });
});

describe('isPlaceholderIcon', () => {
  it('recognises a table entry from a resized, re-encoded copy, and nothing else', async () => {
    const table = [{ name: 'bubble template favicon', hash: await perceptualHash(logos.bubble) }];
    const copy = (await copies(logos.bubble))['32 px JPEG']!;
    const copyHash = await perceptualHash(copy);
    expect(isPlaceholderIcon(copyHash, table)).toBe(true);
    expect(matchPlaceholderIcon(copyHash, table)).toBe(table[0]);
    expect(isPlaceholderIcon(await perceptualHash(logos.rings), table)).toBe(false);
    // The distance is the caller's to set: none at all asks for the very hash.
    const far = hammingDistance(copyHash, table[0]!.hash);
    expect(isPlaceholderIcon(copyHash, table, far)).toBe(true);
    if (far > 0) expect(isPlaceholderIcon(copyHash, table, far - 1)).toBe(false);
    expect(isPlaceholderIcon(table[0]!.hash, table, 0)).toBe(true);
  });

  it('takes a plain disc or triangle for a real logo, matching plain-shape entries only when nearly the same', async () => {
    for (const [shape, body] of [
      ['a red disc', '<circle cx="128" cy="128" r="110" fill="#cc0000"/>'],
      ['a black triangle', '<path d="M128 20 L236 220 H20 Z" fill="#000000"/>'],
    ] as const) {
      const hash = await perceptualHash(await sharp(svg(body)).png().toBuffer());
      expect(matchPlaceholderIcon(hash)?.name, shape).toBeUndefined();
    }
    const rails = PLACEHOLDER_ICONS.find((entry) => entry.name === 'Rails app icon.png')!;
    const nearly = (BigInt(`0x${rails.hash}`) ^ 0b1011n).toString(16).padStart(16, '0');
    expect(matchPlaceholderIcon(nearly)).toBe(rails);
    const further = (BigInt(`0x${rails.hash}`) ^ 0b11111n).toString(16).padStart(16, '0');
    expect(matchPlaceholderIcon(further)).toBeUndefined();
  });

  it('picks the closest entry when two are near', () => {
    const table = [
      { name: 'far', hash: '00000000000000ff' },
      { name: 'near', hash: '000000000000000f' },
    ];
    expect(matchPlaceholderIcon('0000000000000007', table)?.name).toBe('near');
  });

  it('ships a table of well-formed, named hashes that blank images and our own icon do not match', async () => {
    expect(PLACEHOLDER_ICONS.length).toBeGreaterThanOrEqual(10);
    for (const entry of PLACEHOLDER_ICONS) {
      expect(entry.hash, entry.name).toMatch(/^[0-9a-f]{16}$/);
      expect(entry.name.length, entry.hash).toBeGreaterThan(5);
    }
    const plain = (colour: string) =>
      sharp({ create: { width: 64, height: 64, channels: 4, background: colour } })
        .png()
        .toBuffer();
    for (const colour of ['#ffffff', '#000000', '#4f46e5', '#00000000']) {
      expect(isPlaceholderIcon(await perceptualHash(await plain(colour))), colour).toBe(false);
    }
    // Roomkit's own icon is a real logo, not a forgotten template's.
    const own = await readFile(new URL('../../web/public/icon.svg', import.meta.url));
    expect(matchPlaceholderIcon(await perceptualHash(own))).toBeUndefined();
  });
});
