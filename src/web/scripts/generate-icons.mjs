#!/usr/bin/env node
/**
 * Draws the PNG icons of the PWA manifest from public/icon.svg's design (Chromium wants PNGs of
 * 192 and 512 pixels to offer installing). The PNGs are committed; run this again only when the
 * logo changes:  node src/web/scripts/generate-icons.mjs
 *
 * "maskable" icons are cropped by the launcher to any shape, so they fill the square with the
 * background and keep the speech bubble inside the central safe circle (80 % of the width).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const outDir = join(publicDir, 'icons');
const rounded = await readFile(join(publicDir, 'icon.svg'));
const bubble = 'M18 22a6 6 0 0 1 6-6h16a6 6 0 0 1 6 6v12a6 6 0 0 1-6 6H30l-8 7v-7h0a4 4 0 0 1-4-4z';
const fullBleed = Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="512" height="512">
    <rect width="64" height="64" fill="#4f46e5"/>
    <path d="${bubble}" fill="#ffffff" transform="translate(0 0.5)"/>
  </svg>`,
);

const icons = [
  { file: 'icon-192.png', svg: rounded, size: 192 },
  { file: 'icon-512.png', svg: rounded, size: 512 },
  { file: 'icon-maskable-512.png', svg: fullBleed, size: 512 },
  // iOS rounds the corners of home-screen icons itself.
  { file: 'apple-touch-icon.png', svg: fullBleed, size: 180 },
];

await mkdir(outDir, { recursive: true });
for (const { file, svg, size } of icons) {
  await sharp(svg, { density: 72 * (size / 64) })
    .resize(size, size)
    .png({ compressionLevel: 9, palette: true })
    .toFile(join(outDir, file));
  console.log(`wrote ${join(outDir, file)}`);
}
