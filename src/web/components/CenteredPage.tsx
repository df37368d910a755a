import type { ReactNode } from 'react';
import { Link } from './Link.js';
import { Logo } from './Logo.js';

/** A small centred card: the frame of the home page and of the simple screens. */
export function CenteredPage({ children, brand = true }: { children: ReactNode; brand?: boolean }) {
  return (
    <main className="centered-page">
      <div className="card">
        {brand && (
          <Link href="/" className="brand">
            <Logo /> Roomkit
          </Link>
        )}
        {children}
      </div>
    </main>
  );
}
