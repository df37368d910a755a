import unhomoglyph from 'unhomoglyph';

/**
 * The key under which display names must be unique in a room: case-folded and reduced to its
 * confusable skeleton (Unicode TR39 confusables), so "Ada", "ADA" and a Cyrillic "Аda" collide.
 */
export function nameKey(displayName: string): string {
  const folded = displayName.normalize('NFKC').toLowerCase();
  return unhomoglyph(folded).normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ');
}
