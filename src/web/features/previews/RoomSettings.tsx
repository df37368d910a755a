import { useId, useState } from 'react';
import type { Room } from '../../../protocol/schemas.js';
import { api, ApiError } from '../../lib/api.js';

type Setting = 'linkPreviews' | 'namedCard';

const LABELS: Record<Setting, string> = {
  linkPreviews: 'Show link previews',
  namedCard: 'Name this room where its link is shared',
};

/**
 * The owner's settings of the room, under the members: link cards on messages, and whether the
 * card other apps show for the room's link names the room. Each box changes at once (`POST
 * /api/rooms/:roomId/settings`); every member's page follows through `room:updated`.
 */
export function RoomSettings({ room, token }: { room: Room; token: string }) {
  const headingId = useId();
  const [saving, setSaving] = useState<Setting | null>(null);
  const [error, setError] = useState<string | null>(null);
  const change = async (setting: Setting, value: boolean) => {
    setSaving(setting);
    setError(null);
    try {
      await api(`/api/rooms/${encodeURIComponent(room.id)}/settings`, {
        token,
        body: { [setting]: value },
      });
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : 'The setting was not saved.');
    } finally {
      setSaving(null);
    }
  };
  return (
    <section className="room-settings" aria-labelledby={headingId}>
      <h2 id={headingId}>Room settings</h2>
      {(Object.keys(LABELS) as Setting[]).map((setting) => (
        <label key={setting}>
          <input
            type="checkbox"
            checked={room[setting]}
            disabled={saving !== null}
            onChange={(event) => void change(setting, event.target.checked)}
          />
          {LABELS[setting]}
        </label>
      ))}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
