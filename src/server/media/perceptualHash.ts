import { decoded, openImage } from './openImage.js';

/** dHash compares neighbours across a 9×8 grey thumbnail: 8 comparisons a row, 8 rows. */
const HASH_WIDTH = 9;
const HASH_HEIGHT = 8;
/**
 * Each cell of the thumbnail is the plain average of an 8×8 block of a 72×64 copy. Resizing
 * straight to 9×8 let the kernel's ringing and the way a 16 px or a 512 px source lands on the
 * grid move cells by a few levels, enough to flip bits across flat areas; averaging blocks
 * gives the same cells for the same picture at any size.
 */
const BLOCK = 8;
/**
 * A neighbour counts as brighter only by more than this (of 255). Flat areas are most of a
 * logo, and there JPEG or WebP noise of a level or two would otherwise decide the bit. Measured
 * on the placeholder icons below at 16–128 px, as PNG, JPEG and WebP: the same icon stayed within
 * 8 bits of its original (3 bits at 0, up to 18 without it), two different icons 15 or more apart.
 */
const MIN_STEP = 6;

/**
 * The 64-bit difference hash (dHash) of an image, as 16 hex digits: alpha flattened onto white,
 * greyscale, squeezed to 9×8 whatever its shape, and for each row one bit per neighbouring pair,
 * set when the right cell is brighter (by more than MIN_STEP), the first row's first pair the
 * highest bit. Sizes and encodings move few bits, so copies of one logo are close in Hamming
 * distance. Reads what openImage reads, icon files included, and throws what it throws.
 */
export async function perceptualHash(bytes: Buffer): Promise<string> {
  const image = await openImage(bytes);
  const width = HASH_WIDTH * BLOCK;
  const large = await decoded(() =>
    image
      .flatten({ background: '#ffffff' })
      .greyscale()
      .resize(width, HASH_HEIGHT * BLOCK, { fit: 'fill', kernel: 'linear' })
      .extractChannel(0)
      .raw()
      .toBuffer(),
  );
  const cells = new Float64Array(HASH_WIDTH * HASH_HEIGHT);
  for (let y = 0; y < HASH_HEIGHT * BLOCK; y++) {
    for (let x = 0; x < width; x++) {
      cells[Math.floor(y / BLOCK) * HASH_WIDTH + Math.floor(x / BLOCK)]! += large[y * width + x]!;
    }
  }
  let hash = 0n;
  for (let y = 0; y < HASH_HEIGHT; y++) {
    for (let x = 0; x < HASH_WIDTH - 1; x++) {
      const left = cells[y * HASH_WIDTH + x]! / (BLOCK * BLOCK);
      const right = cells[y * HASH_WIDTH + x + 1]! / (BLOCK * BLOCK);
      hash = (hash << 1n) | (right > left + MIN_STEP ? 1n : 0n);
    }
  }
  return hash.toString(16).padStart(16, '0');
}

const HASH = /^[0-9a-f]{16}$/i;

/** How many of the 64 bits differ between two hashes of `perceptualHash`. */
export function hammingDistance(a: string, b: string): number {
  if (!HASH.test(a) || !HASH.test(b)) throw new TypeError('A hash is 16 hex digits.');
  let diff = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (diff > 0n) {
    count += Number(diff & 1n);
    diff >>= 1n;
  }
  return count;
}

/** A well-known default icon: what a site shows when nobody replaced its framework's one. */
export interface PlaceholderIcon {
  name: string;
  hash: string;
}

/**
 * Within this many bits a hash is taken for a table entry's. Copies of one icon at 16–128 px,
 * as PNG, JPEG or WebP, stayed within 8 bits of it; the closest two different icons below are
 * 15 apart, and the emptiest entry is 14 bits from a blank image. 10 keeps a margin both ways.
 */
export const PLACEHOLDER_DISTANCE = 10;

/**
 * Default icons of project templates and servers, hashed from the files in their repositories
 * (the commit each was read at is named; the files are not kept here). A site still showing
 * one of them has no logo of its own, and a generic icon says so more honestly.
 */
export const PLACEHOLDER_ICONS: readonly PlaceholderIcon[] = [
  // create-react-app: packages/cra-template/template/public/favicon.ico, the React atom on
  // dark, 6254386
  { name: 'create-react-app favicon.ico', hash: '4954d4d4d4545401' },
  // create-react-app: …/public/logo192.png, the same atom on transparent (manifest, touch icon)
  { name: 'create-react-app logo192.png', hash: '120a032a2a030a12' },
  // Vite's create-vite templates: public/vite.svg, the lightning bolt (2022–2026), d72b3dd
  { name: 'Vite template vite.svg', hash: '0621313b12160c0c' },
  // Vite's create-vite templates: public/favicon.svg since January 2026, a98c8d9
  { name: 'Vite template favicon.svg', hash: '070606010706060c' },
  // Angular CLI: application/files/…/favicon.ico, the red shield until 2019, 36eba0c
  { name: 'Angular CLI favicon.ico (red shield)', hash: '0f1131296945070e' },
  // Angular CLI: the dark shield from the 2019 redesign until November 2023, a832c20
  { name: 'Angular CLI favicon.ico (dark shield)', hash: '0f113169694d070e' },
  // Angular CLI: public/favicon.ico, the gradient "A" since November 2023, 9a1b250
  { name: 'Angular CLI favicon.ico (gradient)', hash: '3361694ccc80060e' },
  // Vue CLI cli-service/generator/template/public/favicon.ico (f0f254e) and create-vue's
  // template/base/public/favicon.ico (222c5e2): one file, the Vue "V"
  { name: 'Vue CLI / create-vue favicon.ico', hash: '3317070f0e0c0c08' },
  // create-next-app's favicon.ico, the "N" in a black circle (as in vercel/next-learn's dashboard
  // example, 914a334)
  { name: 'Next.js create-next-app favicon.ico', hash: '0f036d657069050f' },
  // The earlier create-next-app favicon.ico, the Vercel triangle (vercel/next-learn's basics,
  // 914a334)
  { name: 'Next.js create-next-app favicon.ico (triangle)', hash: '00080c0c060f0f00' },
  // Nuxt's starter (nuxt/starter, branch v3): public/favicon.ico, 3d0e28e
  { name: 'Nuxt starter favicon.ico', hash: '00101a276d481000' },
  // SvelteKit's create-svelte: templates/default/static/favicon.png (2021–2024), 40a6e39^
  { name: 'create-svelte favicon.png', hash: '0619254925592608' },
  // The sv command's templates: static/favicon.svg, the Svelte logo, sveltejs/cli 0038420
  { name: 'sv template favicon.svg', hash: '0619655965596618' },
  // Gatsby's gatsby-starter-default: src/images/gatsby-icon.png, d2197d2
  { name: 'Gatsby starter gatsby-icon.png', hash: '07498580ce86690f' },
  // Rails' app generator: templates/public/icon.png, the red circle, 2a2db1e
  { name: 'Rails app icon.png', hash: '0f0301000001030f' },
  // Astro's examples/basics: public/favicon.svg (light scheme) and favicon.ico, 99d3d3d
  { name: 'Astro starter favicon.svg', hash: '000c161633550c08' },
  { name: 'Astro starter favicon.ico', hash: '013068684c683011' },
  // Apache Tomcat's default page: webapps/ROOT/favicon.ico, the cat, 84ac9af
  { name: 'Apache Tomcat favicon.ico', hash: '808493cb1713d080' },
];

/** The table entry a hash is within `maxDistance` bits of, the closest; undefined for none. */
export function matchPlaceholderIcon(
  hash: string,
  table: readonly PlaceholderIcon[] = PLACEHOLDER_ICONS,
  maxDistance = PLACEHOLDER_DISTANCE,
): PlaceholderIcon | undefined {
  let best: PlaceholderIcon | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const entry of table) {
    const distance = hammingDistance(hash, entry.hash);
    if (distance <= allowedDistance(entry.hash, maxDistance) && distance < bestDistance) {
      best = entry;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * A plain shape (a filled disc, a triangle: few edges, so few bits set) is also what many real
 * logos look like: Rails' red disc came within 8 bits of a plain disc, Vercel's triangle within
 * 9 of a plain triangle. Such entries are matched only when nearly the same.
 */
const PLAIN_SHAPE_BITS = 20;
const PLAIN_SHAPE_DISTANCE = 4;

function allowedDistance(hash: string, maxDistance: number): number {
  let bits = 0;
  for (const digit of hash) bits += BITS_IN_HEX[Number.parseInt(digit, 16)]!;
  return bits < PLAIN_SHAPE_BITS ? Math.min(maxDistance, PLAIN_SHAPE_DISTANCE) : maxDistance;
}

const BITS_IN_HEX = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/** Whether a site's icon (its `perceptualHash`) is one of the well-known default icons. */
export function isPlaceholderIcon(
  hash: string,
  table: readonly PlaceholderIcon[] = PLACEHOLDER_ICONS,
  maxDistance = PLACEHOLDER_DISTANCE,
): boolean {
  return matchPlaceholderIcon(hash, table, maxDistance) !== undefined;
}
