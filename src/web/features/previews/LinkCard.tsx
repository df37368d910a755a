import { useState } from 'react';
import type { Preview } from '../../../protocol/schemas.js';
import { ExternalLink } from '../../components/Link.js';
import { useDarkTheme } from '../../lib/useMediaQuery.js';

/** The card's picture: a thumbnail width the image proxy makes (one of its THUMB_WIDTHS). */
const IMAGE_WIDTH = 480;

/**
 * A link's card under its message: the site's logo and name, the title as a link, the
 * description and the picture. Every picture comes from this server (the image proxy and the
 * logo route), never from the site. The sender sees "Remove preview".
 */
export function LinkCard({
  preview,
  onRemove,
}: {
  preview: Preview;
  /** The sender's own message: the card can be taken off. */
  onRemove?: () => void;
}) {
  const dark = useDarkTheme();
  const [iconShown, setIconShown] = useState(true);
  const [imageShown, setImageShown] = useState(true);
  const host = hostOf(preview.url);
  return (
    <div className="link-card">
      <div className="link-card-text">
        <p className="link-card-site">
          {preview.icon && iconShown && (
            <img
              className="link-card-icon"
              src={`${preview.icon}&theme=${dark ? 'dark' : 'light'}`}
              alt=""
              width={16}
              height={16}
              loading="lazy"
              onError={() => setIconShown(false)}
            />
          )}
          <span>{preview.siteName ?? host}</span>
        </p>
        {preview.title && (
          <ExternalLink className="link-card-title" href={preview.url}>
            {preview.title}
          </ExternalLink>
        )}
        {preview.description && <p className="link-card-description">{preview.description}</p>}
        {onRemove && (
          <button type="button" className="small quiet link-card-remove" onClick={onRemove}>
            Remove preview
          </button>
        )}
      </div>
      {preview.image && imageShown && (
        <img
          className="link-card-image"
          src={`${preview.image}&w=${IMAGE_WIDTH}`}
          alt=""
          loading="lazy"
          onError={() => setImageShown(false)}
        />
      )}
    </div>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
