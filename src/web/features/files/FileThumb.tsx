import { useState } from 'react';
import type { FileInfo } from '../../../protocol/schemas.js';
import { GALLERY_WIDTHS, type FileLinks } from './fileLinks.js';

/**
 * A lazily loaded thumbnail: `srcset` lets the browser pick 256, 480 or 960 pixels for the
 * space given by `sizes` and its pixel density, and `format=auto` lets the server send AVIF or
 * WebP to browsers that say they take them. A picture that cannot be loaded (a room that has
 * ended no longer serves its files) shows as its name instead of a broken image.
 */
export function FileThumb({
  file,
  links,
  sizes,
  width,
  height,
}: {
  file: FileInfo;
  links: FileLinks;
  sizes: string;
  width?: number;
  height?: number;
}) {
  const [failed, setFailed] = useState(false);
  if (failed) return <span className="thumb-missing">{file.name}</span>;
  return (
    <img
      onError={() => setFailed(true)}
      src={links.thumb(file, 480)}
      srcSet={links.srcSet(file, GALLERY_WIDTHS)}
      sizes={sizes}
      loading="lazy"
      decoding="async"
      alt={file.name}
      width={width ?? file.width}
      height={height ?? file.height}
    />
  );
}
