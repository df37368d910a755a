import { useId, useMemo, useState } from 'react';
import type { AdminRoom } from '../../../protocol/admin.js';
import { formatBytes } from '../files/formatBytes.js';
import { formatDateTime } from './adminFormat.js';
import {
  closingInSeconds,
  connectionTotal,
  DEFAULT_ROOM_SORT,
  nextSort,
  searchRooms,
  sortRooms,
  type RoomColumn,
  type RoomSort,
} from './roomsTable.js';

const columns: { column: RoomColumn; label: string; numeric?: boolean }[] = [
  { column: 'name', label: 'Name' },
  { column: 'code', label: 'Code' },
  { column: 'members', label: 'Online / members', numeric: true },
  { column: 'connections', label: 'Connections', numeric: true },
  { column: 'files', label: 'Files', numeric: true },
  { column: 'bytes', label: 'Size', numeric: true },
  { column: 'messages', label: 'Messages', numeric: true },
  { column: 'created', label: 'Created' },
  { column: 'expires', label: 'Expires' },
];

/** What an operator may do to a room from its row. */
export interface RoomActions {
  onDelete: (room: AdminRoom) => void;
  onCancelDelete: (room: AdminRoom) => void;
}

/**
 * Table "Rooms" (API.md, "Web client"): every room, searchable by name or code, sortable by any
 * column. A room's name opens its members; "Delete" asks first, and while a delete counts down
 * the row says so and offers "Cancel delete". Without `actions` (a viewer) it only shows.
 */
export function RoomsTable({
  rooms,
  now,
  openRoomId,
  onOpen,
  actions,
}: {
  rooms: readonly AdminRoom[];
  /** When the rooms were fetched (ms): what the countdowns count from. */
  now: number;
  openRoomId: string | null;
  onOpen: (roomId: string | null) => void;
  /** "Delete" and "Cancel delete", for an operator. */
  actions?: RoomActions;
}) {
  const [sort, setSort] = useState<RoomSort>(DEFAULT_ROOM_SORT);
  const [query, setQuery] = useState('');
  const headingId = useId();
  const searchId = useId();
  const shown = useMemo(() => sortRooms(searchRooms(rooms, query), sort), [rooms, query, sort]);

  return (
    <section className="admin-section" aria-labelledby={headingId}>
      <div className="admin-section-head">
        <h2 id={headingId}>Rooms</h2>
        <div className="admin-search">
          <label htmlFor={searchId}>Search rooms</label>
          <input
            id={searchId}
            type="text"
            enterKeyHint="search"
            value={query}
            placeholder="Name or code"
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setQuery(event.target.value)}
          />
        </div>
      </div>
      {/* Scrolls sideways on a phone, the name column staying in view; focusable for keyboards. */}
      <div className="table-scroll" tabIndex={0} role="group" aria-labelledby={headingId}>
        <table className="admin-table rooms-table" aria-labelledby={headingId}>
          <thead>
            <tr>
              {columns.map(({ column, label, numeric }) => (
                <th
                  key={column}
                  scope="col"
                  className={numeric ? 'numeric' : undefined}
                  aria-sort={sort.column === column ? sort.direction : undefined}
                >
                  <button
                    type="button"
                    className="sort-button"
                    onClick={() => setSort((current) => nextSort(current, column))}
                  >
                    {label}
                    <span className="sort-mark" aria-hidden="true">
                      {sort.column !== column ? '' : sort.direction === 'ascending' ? '▲' : '▼'}
                    </span>
                  </button>
                </th>
              ))}
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((room) => (
              <RoomRow
                key={room.id}
                room={room}
                now={now}
                open={room.id === openRoomId}
                onOpen={() => onOpen(room.id === openRoomId ? null : room.id)}
                {...(actions && {
                  onDelete: () => actions.onDelete(room),
                  onCancelDelete: () => actions.onCancelDelete(room),
                })}
              />
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && (
        <p className="admin-empty">
          {rooms.length === 0 ? 'No rooms right now.' : `No room matches “${query.trim()}”.`}
        </p>
      )}
    </section>
  );
}

function RoomRow({
  room,
  now,
  open,
  onOpen,
  onDelete,
  onCancelDelete,
}: {
  room: AdminRoom;
  now: number;
  open: boolean;
  onOpen: () => void;
  onDelete?: () => void;
  onCancelDelete?: () => void;
}) {
  const closingIn = closingInSeconds(room.closingAt, now);
  return (
    <tr className={closingIn === null ? undefined : 'closing'}>
      <th scope="row">
        <button
          type="button"
          className="room-open"
          aria-expanded={open}
          aria-controls={open ? 'admin-room-members' : undefined}
          onClick={onOpen}
        >
          {room.name}
        </button>
        {room.integrator !== null && (
          <span className="room-integrator"> embedded by {room.integrator}</span>
        )}
      </th>
      <td className="join-code">{room.joinCode}</td>
      <td className="numeric">
        {room.members.online} / {room.members.total}
      </td>
      <td className="numeric">{connectionTotal(room)}</td>
      <td className="numeric">{room.files}</td>
      <td className="numeric">{formatBytes(room.bytes)}</td>
      <td className="numeric">{room.messages}</td>
      <td>{formatDateTime(room.createdAt)}</td>
      <td>{room.expiresAt === null ? 'kept' : formatDateTime(room.expiresAt)}</td>
      <td>
        <div className="row-actions">
          {closingIn === null ? (
            onDelete && (
              <button type="button" className="small" onClick={onDelete}>
                Delete
              </button>
            )
          ) : (
            <>
              <span className="closing-in">closing in {closingIn} s</span>
              {onCancelDelete && (
                <button type="button" className="small" onClick={onCancelDelete}>
                  Cancel delete
                </button>
              )}
            </>
          )}
        </div>
      </td>
    </tr>
  );
}
