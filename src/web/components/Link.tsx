import type { ReactNode } from 'react';
import { followLink } from '../lib/router.js';

/** An in-app link that navigates without reloading the page. */
export function Link({
  href,
  className,
  children,
}: {
  href: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <a href={href} className={className} onClick={followLink}>
      {children}
    </a>
  );
}

/**
 * A link to another site, as people post them: a new tab, no opener, no referrer (the room's
 * address stays private), and no endorsement for search engines.
 */
export function ExternalLink({
  href,
  className,
  children,
}: {
  href: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <a
      href={href}
      className={className}
      target="_blank"
      rel="noopener noreferrer nofollow"
      referrerPolicy="no-referrer"
    >
      {children}
    </a>
  );
}
