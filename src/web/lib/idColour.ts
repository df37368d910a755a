/**
 * One entry of `palette` for `id`, the same wherever it is computed (every screen, every reload):
 * FNV-1a over the id's UTF-16 code units, which spreads ids that differ in one character over the
 * whole palette. For the members' colours (avatars, editor cursors).
 */
export function colourForId<T>(id: string, palette: readonly [T, ...T[]]): T {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return palette[(hash >>> 0) % palette.length] ?? palette[0];
}
