import { useDocumentTitle } from '../lib/useDocumentTitle.js';
import { CenteredPage } from './CenteredPage.js';
import { Link } from './Link.js';

/** `/admin` and `/embed` until those features are switched on in this build. */
export function NotEnabledPage({ title }: { title: string }) {
  useDocumentTitle(title);
  return (
    <CenteredPage>
      <h1>{title}</h1>
      <p>This part of Roomkit is not enabled on this server.</p>
      <p>
        <Link href="/">Go to the home page</Link>
      </p>
    </CenteredPage>
  );
}

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <CenteredPage>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <Link href="/">Go to the home page</Link>
      </p>
    </CenteredPage>
  );
}
