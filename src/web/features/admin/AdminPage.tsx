import { useCallback, useEffect, useState } from 'react';
import type { AdminIdentity, AdminRoom, AdminRoomDetail } from '../../../protocol/admin.js';
import type { MemberPresence } from '../../../protocol/members.js';
import { CenteredPage } from '../../components/CenteredPage.js';
import { Link } from '../../components/Link.js';
import { Logo } from '../../components/Logo.js';
import { ApiError } from '../../lib/api.js';
import { describeError } from '../../lib/errorMessages.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import '../../styles/admin.css';
// Signing out of an admin account is the account's own sign-out.
import { signOut as signOutAccount } from '../account/signedIn.js';
import {
  cancelDelete,
  deleteRoom,
  fetchIdentity,
  fetchRoom,
  kickMember,
  type AdminAuth,
} from './adminApi.js';
import { forgetAdminToken, loadAdminToken, saveAdminToken } from './adminToken.js';
import { AdminSignIn } from './AdminSignIn.js';
import { DeleteRoomDialog } from './DeleteRoomDialog.js';
import { KickDialog } from './KickDialog.js';
import { AuditLog, CodeRuns } from './LogTables.js';
import { RoomMembers } from './RoomMembers.js';
import { RoomsTable } from './RoomsTable.js';
import { StatsPanel } from './StatsPanel.js';
import { LOG_INTERVAL_MS, useAdminLive } from './useAdminLive.js';
import { usePolling } from './usePolling.js';

/** Who the page is signed in as, and how it proves it on each request. */
interface AdminSession {
  /** Kept for the life of the session: the polls depend on its identity. */
  auth: AdminAuth;
  identity: AdminIdentity;
}

type PageState =
  | { phase: 'checking' }
  | { phase: 'signed-out'; notice: string | null; signedInAccount: boolean }
  | { phase: 'signed-in'; session: AdminSession };

const NOT_AN_ADMIN =
  'This browser is signed in with an account that is not an administrator. Sign in with the ' +
  'admin token, or ask the server’s operator to run “roomkit admin grant <username>”.';

/**
 * `/admin`: signed in with the admin token this tab kept, else with the browser's admin account,
 * else the sign-in; then watch and act on the server's rooms (a viewer only watches).
 */
export function AdminPage() {
  useDocumentTitle('Admin');
  const [state, setState] = useState<PageState>({ phase: 'checking' });

  useEffect(() => {
    let current = true;
    void resume().then((next) => {
      if (current) setState(next);
    });
    return () => {
      current = false;
    };
  }, []);

  const signOut = useCallback((notice: string | null, signedInAccount = false) => {
    forgetAdminToken();
    setState({ phase: 'signed-out', notice, signedInAccount });
  }, []);

  if (state.phase === 'checking') {
    return (
      <CenteredPage>
        <h1>Admin</h1>
        <p role="status">Checking who you are…</p>
      </CenteredPage>
    );
  }
  if (state.phase === 'signed-out') {
    return (
      <AdminSignIn
        notice={state.notice}
        signedInAccount={state.signedInAccount}
        onSignedIn={(token, identity) => {
          saveAdminToken(token);
          setState({ phase: 'signed-in', session: { auth: { via: 'token', token }, identity } });
        }}
      />
    );
  }
  return <AdminDashboard session={state.session} onSignOut={signOut} />;
}

/** Where the page starts: the token this tab kept, else the browser's admin account. */
async function resume(): Promise<PageState> {
  const token = loadAdminToken();
  const auth: AdminAuth = token === null ? { via: 'account' } : { via: 'token', token };
  try {
    return { phase: 'signed-in', session: { auth, identity: await fetchIdentity(auth) } };
  } catch (failure) {
    const code = failure instanceof ApiError ? failure.code : null;
    if (auth.via === 'token') {
      if (code === 'unauthorized') forgetAdminToken();
      return code === 'unauthorized' ? resume() : signedOut(describeError(failure));
    }
    if (code === 'forbidden') return signedOut(NOT_AN_ADMIN, true);
    return signedOut(code === 'unauthorized' ? null : describeError(failure));
  }
}

function signedOut(notice: string | null, signedInAccount = false): PageState {
  return { phase: 'signed-out', notice, signedInAccount };
}

type Pending =
  | { kind: 'delete'; room: AdminRoom }
  | { kind: 'kick'; member: MemberPresence; roomId: string; roomName: string };

function AdminDashboard({
  session,
  onSignOut,
}: {
  session: AdminSession;
  onSignOut: (notice: string | null, signedInAccount?: boolean) => void;
}) {
  const { auth, identity } = session;
  const refused = useCallback(
    (error: ApiError) => {
      if (auth.via === 'token') {
        onSignOut('The server no longer accepts that token. Sign in again.');
      } else if (error.code === 'forbidden') {
        onSignOut('This account is no longer an administrator.', true);
      } else {
        onSignOut('Your account’s session ended. Sign in again.');
      }
    },
    [auth, onSignOut],
  );
  const live = useAdminLive(auth, refused);
  const [pending, setPending] = useState<Pending | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const members = useOpenRoom(auth);

  const cancel = async (room: AdminRoom) => {
    setActionError(null);
    try {
      await cancelDelete(auth, room.id);
    } catch (failure) {
      // The countdown ended meanwhile, or was cancelled elsewhere: the refresh shows which.
      if (!(failure instanceof ApiError && failure.code === 'not_found')) {
        setActionError(describeError(failure));
      }
    }
    await live.refresh();
  };

  const operator = identity.role === 'operator';
  const signOut = async () => {
    if (auth.via === 'token') return onSignOut(null);
    setActionError(null);
    try {
      await signOutAccount();
      onSignOut(null);
    } catch (failure) {
      setActionError(describeError(failure));
    }
  };

  return (
    <div className="admin-page">
      <header className="admin-header">
        <Link href="/" className="brand">
          <Logo /> Roomkit
        </Link>
        <h1>Admin</h1>
        <p className="admin-who">{whoLine(identity)}</p>
        <button type="button" className="small" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main className="admin-main">
        {live.failure !== null && (
          <p className="notice" role="alert">
            {describeError(live.failure)} What is shown may be out of date.
          </p>
        )}
        {actionError && (
          <p className="field-error" role="alert">
            {actionError}
          </p>
        )}
        {live.stats ? (
          <StatsPanel stats={live.stats} history={live.history} />
        ) : (
          <p role="status">Loading…</p>
        )}
        {live.rooms && (
          <RoomsTable
            rooms={live.rooms}
            now={live.roomsAt}
            openRoomId={members.roomId}
            onOpen={members.open}
            {...(operator && {
              actions: {
                onDelete: (room) => setPending({ kind: 'delete', room }),
                onCancelDelete: (room) => void cancel(room),
              },
            })}
          />
        )}
        {members.roomId !== null && (
          <RoomMembers
            detail={members.detail}
            error={members.error}
            {...(operator && {
              onKick: (member: MemberPresence) => {
                const { room } = members.detail ?? {};
                if (room)
                  setPending({ kind: 'kick', member, roomId: room.id, roomName: room.name });
              },
            })}
            onClose={() => members.open(null)}
          />
        )}
        <AuditLog entries={live.audit} />
        <CodeRuns runs={live.runs} rooms={live.rooms ?? []} />
      </main>
      {pending?.kind === 'delete' && (
        <DeleteRoomDialog
          room={pending.room}
          onCancel={() => setPending(null)}
          onDelete={async (grace) => {
            await deleteRoom(auth, pending.room.id, grace);
            setPending(null);
            if (grace === 0 && members.roomId === pending.room.id) members.open(null);
            await live.refresh();
          }}
        />
      )}
      {pending?.kind === 'kick' && (
        <KickDialog
          member={pending.member}
          roomName={pending.roomName}
          onCancel={() => setPending(null)}
          onKick={async (ban) => {
            await kickMember(auth, pending.roomId, pending.member.id, ban);
            setPending(null);
            await Promise.all([members.reload(), live.refresh()]);
          }}
        />
      )}
    </div>
  );
}

/** "Signed in with the admin token", or the account's name and what its role allows. */
function whoLine({ actor, role, via }: AdminIdentity): string {
  if (via === 'token') return 'Signed in with the admin token';
  return role === 'operator'
    ? `Signed in as ${actor}`
    : `Signed in as ${actor} (viewer: read only)`;
}

/**
 * The room opened from table "Rooms" and its members, refreshed with the logs (every few
 * seconds) and after a kick.
 */
function useOpenRoom(auth: AdminAuth) {
  const [roomId, setRoomId] = useState<string | null>(null);
  const [detail, setDetail] = useState<AdminRoomDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (id: string) => {
      try {
        const next = await fetchRoom(auth, id);
        setDetail(next);
        setError(null);
      } catch (failure) {
        setError(describeError(failure, { not_found: 'This room no longer exists.' }));
      }
    },
    [auth],
  );

  usePolling(
    async () => {
      if (roomId !== null) await load(roomId);
    },
    LOG_INTERVAL_MS,
    roomId,
  );

  return {
    roomId,
    detail: detail?.room.id === roomId ? detail : null,
    error,
    open: (id: string | null) => {
      setRoomId(id);
      setError(null);
    },
    reload: async () => {
      if (roomId !== null) await load(roomId);
    },
  };
}
