/**
 * The size at which to show a width × height picture inside a box, keeping its shape and never
 * enlarging it. Given as <img width height> it reserves the picture's space before it loads,
 * so the chat does not jump when thumbnails arrive.
 */
export function fitWithin(
  width: number | undefined,
  height: number | undefined,
  box: { width: number; height: number },
): { width: number; height: number } | null {
  if (!width || !height || width <= 0 || height <= 0) return null;
  const scale = Math.min(1, box.width / width, box.height / height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}
