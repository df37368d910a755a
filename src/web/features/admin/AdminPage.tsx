import { useCallback, useState } from 'react';
import type { AdminRoom, AdminRoomDetail } from '../../../protocol/admin.js';
import type { MemberPresence } from '../../../protocol/members.js';
import { Link } from '../../components/Link.js';
import { Logo } from '../../components/Logo.js';
import { ApiError } from '../../lib/api.js';
import { describeError } from '../../lib/errorMessages.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import '../../styles/admin.css';
import { cancelDelete, deleteRoom, fetchRoom, kickMember } from './adminApi.js';
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

/** `/admin`: sign in with the admin token, then watch and act on the server's rooms. */
export function AdminPage() {
  useDocumentTitle('Admin');
  const [token, setToken] = useState(loadAdminToken);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((why: string | null) => {
    forgetAdminToken();
    setToken(null);
    setNotice(why);
  }, []);

  if (token === null) {
    return (
      <AdminSignIn
        notice={notice}
        onSignedIn={(entered) => {
          saveAdminToken(entered);
          setNotice(null);
          setToken(entered);
        }}
      />
    );
  }
  return <AdminDashboard token={token} onSignOut={signOut} />;
}

type Pending =
  | { kind: 'delete'; room: AdminRoom }
  | { kind: 'kick'; member: MemberPresence; roomId: string; roomName: string };

function AdminDashboard({
  token,
  onSignOut,
}: {
  token: string;
  onSignOut: (why: string | null) => void;
}) {
  const refused = useCallback(
    () => onSignOut('The server no longer accepts that token. Sign in again.'),
    [onSignOut],
  );
  const live = useAdminLive(token, refused);
  const [pending, setPending] = useState<Pending | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const members = useOpenRoom(token);

  const cancel = async (room: AdminRoom) => {
    setActionError(null);
    try {
      await cancelDelete(token, room.id);
    } catch (failure) {
      // The countdown ended meanwhile, or was cancelled elsewhere: the refresh shows which.
      if (!(failure instanceof ApiError && failure.code === 'not_found')) {
        setActionError(describeError(failure));
      }
    }
    await live.refresh();
  };

  return (
    <div className="admin-page">
      <header className="admin-header">
        <Link href="/" className="brand">
          <Logo /> Roomkit
        </Link>
        <h1>Admin</h1>
        <button type="button" className="small" onClick={() => onSignOut(null)}>
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
            onDelete={(room) => setPending({ kind: 'delete', room })}
            onCancelDelete={(room) => void cancel(room)}
          />
        )}
        {members.roomId !== null && (
          <RoomMembers
            detail={members.detail}
            error={members.error}
            onKick={(member) => {
              const { room } = members.detail ?? {};
              if (room) setPending({ kind: 'kick', member, roomId: room.id, roomName: room.name });
            }}
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
            await deleteRoom(token, pending.room.id, grace);
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
            await kickMember(token, pending.roomId, pending.member.id, ban);
            setPending(null);
            await Promise.all([members.reload(), live.refresh()]);
          }}
        />
      )}
    </div>
  );
}

/**
 * The room opened from table "Rooms" and its members, refreshed with the logs (every few
 * seconds) and after a kick.
 */
function useOpenRoom(token: string) {
  const [roomId, setRoomId] = useState<string | null>(null);
  const [detail, setDetail] = useState<AdminRoomDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (id: string) => {
      try {
        const next = await fetchRoom(token, id);
        setDetail(next);
        setError(null);
      } catch (failure) {
        setError(describeError(failure, { not_found: 'This room no longer exists.' }));
      }
    },
    [token],
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
