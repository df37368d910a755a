import type { ReactNode } from 'react';
import { CenteredPage } from '../../components/CenteredPage.js';
import { Link } from '../../components/Link.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { AuthForm } from './AuthForm.js';
import { useCheckedSignIn } from './signedIn.js';

/**
 * The frame of a page for the signed-in ("My rooms", "Sessions"): its heading and the links
 * between them, or the sign-in form in its place while nobody is signed in here.
 */
export function SignedInPage({
  title,
  purpose,
  children,
}: {
  title: string;
  /** What signing in shows here, for the sign-in prompt: "your rooms". */
  purpose: string;
  children: (username: string) => ReactNode;
}) {
  const username = useCheckedSignIn();
  useDocumentTitle(username === null ? 'Sign in' : title);
  return (
    <CenteredPage>
      <div className="account-page">
        {username === null ? (
          <>
            <h1>Sign in</h1>
            <p>Sign in to see {purpose}.</p>
            {/* Signing in changes the remembered username, which shows the page itself. */}
            <AuthForm onSignedIn={() => {}} />
          </>
        ) : (
          <>
            <AccountNav current={title} />
            <h1>{title}</h1>
            {children(username)}
          </>
        )}
      </div>
    </CenteredPage>
  );
}

const pages = [
  { title: 'My rooms', href: '/account/rooms' },
  { title: 'Sessions', href: '/account/sessions' },
] as const;

/** Links between the account's pages; the current one is marked, not linked twice. */
function AccountNav({ current }: { current: string }) {
  return (
    <nav aria-label="Account pages" className="account-nav">
      <ul>
        {pages.map((page) => (
          <li key={page.href}>
            {page.title === current ? (
              <span aria-current="page">{page.title}</span>
            ) : (
              <Link href={page.href}>{page.title}</Link>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}
