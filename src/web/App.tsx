import { NotEnabledPage, NotFoundPage } from './components/SimplePages.js';
import { HomePage } from './features/home/HomePage.js';
import { JoinByCodePage } from './features/home/JoinByCodePage.js';
import { RoomPage } from './features/room/RoomPage.js';
import { ShareTargetPage } from './features/share/ShareTargetPage.js';
import { useLocation } from './lib/router.js';

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
  if (roomId !== null) return <RoomPage key={roomId} roomId={roomId} />;
  if (path === '/share') return <ShareTargetPage status={url.searchParams.get('status')} />;
  if (path === '/admin') return <NotEnabledPage title="Admin" />;
  if (path === '/embed') return <NotEnabledPage title="Embedded room" />;
  return <NotFoundPage />;
}
