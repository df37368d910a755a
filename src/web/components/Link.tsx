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
