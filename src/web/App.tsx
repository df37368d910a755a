import { lazy, Suspense, type ReactNode } from 'react';
import { CenteredPage } from './components/CenteredPage.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { NotFoundPage } from './components/SimplePages.js';
import { HomePage } from './features/home/HomePage.js';
import { JoinByCodePage } from './features/home/JoinByCodePage.js';
import { useLocation } from './lib/router.js';

// The home page's own code is all the first visit loads; a room (chat, files, members), the
// share page, the account's pages and the admin page are fetched when opened, each in its own chunk (docs/benchmarks.md, "Web client").
const RoomPage = lazy(() =>
  import('./features/room/RoomPage.js').then((m) => ({ default: m.RoomPage })),
);
const AccountPages = lazy(() =>
  import('./features/account/AccountPages.js').then((m) => ({ default: m.AccountPages })),
);
const AdminPage = lazy(() =>
  import('./features/admin/AdminPage.js').then((m) => ({ default: m.AdminPage })),
);
const EmbedPage = lazy(() =>
  import('./features/embed/EmbedPage.js').then((m) => ({ default: m.EmbedPage })),
);
const ShareTargetPage = lazy(() =>
  import('./features/share/ShareTargetPage.js').then((m) => ({ default: m.ShareTargetPage })),
);

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The pages of API.md ("Web client"), chosen by path. */
export function App() {
  const url = new URL(useLocation(), window.location.origin);
  const path = url.pathname.replace(/\/+$/, '') || '/';

  if (path === '/') {
    const code = url.searchParams.get('code');
    return code ? <JoinByCodePage key={code} code={code} /> : <HomePage />;
  }
  const roomMatch = /^\/r\/([^/]+)$/.exec(path);
  const roomId = roomMatch?.[1] === undefined ? null : decode(roomMatch[1]);
  if (roomId !== null)
    return (
      <OnDemand>
        <RoomPage key={roomId} roomId={roomId} />
      </OnDemand>
    );
  if (path === '/share')
    return (
      <OnDemand>
        <ShareTargetPage status={url.searchParams.get('status')} />
      </OnDemand>
    );
  if (path === '/account' || path.startsWith('/account/'))
    return (
      <OnDemand>
        <AccountPages path={path} />
      </OnDemand>
    );
  if (path === '/admin')
    return (
      <OnDemand>
        <AdminPage />
      </OnDemand>
    );
  if (path === '/embed')
    return (
      <OnDemand>
        <EmbedPage search={url.searchParams} />
      </OnDemand>
    );
  return <NotFoundPage />;
}

/** A page whose code is fetched when it is opened: a short wait, or a way out if it cannot be. */
function OnDemand({ children }: { children: ReactNode }) {
  return (
    <ErrorBoundary fallback={<PageUnavailable />}>
      <Suspense
        fallback={
          <p className="connecting" role="status">
            Loading…
          </p>
        }
      >
        {children}
      </Suspense>
    </ErrorBoundary>
  );
}

/** A chunk that cannot be fetched: offline before it was ever cached, or replaced by an update. */
function PageUnavailable() {
  return (
    <CenteredPage>
      <h1>{navigator.onLine ? 'This page could not be loaded' : "You're offline"}</h1>
      <p role="alert">
        {navigator.onLine
          ? 'Check the connection, then reload the page.'
          : 'This part of Roomkit has not been saved on this device yet. Reload once you are back online.'}
      </p>
      <p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </p>
    </CenteredPage>
  );
}
