import { useEffect, useId, useState } from 'react';
import type { RoomSettings as Settings } from '../../../protocol/schemas.js';
import { api, ApiError } from '../../lib/api.js';

type Setting = keyof Settings;

const LABELS: Record<Setting, string> = {
  linkPreviews: 'Show link previews',
  namedCard: 'Name this room where its link is shared',
};

/**
 * The owner's settings of the room, under the members: link cards on messages, and whether the
 * card other apps show for the room's link names the room. Read when shown (`GET /api/rooms/
 * :roomId/settings`); each box changes at once (`POST`, whose answer is the settings now).
 */
export function RoomSettings({ roomId, token }: { roomId: string; token: string }) {
  const headingId = useId();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [saving, setSaving] = useState<Setting | null>(null);
  const [error, setError] = useState<string | null>(null);
  const path = `/api/rooms/${encodeURIComponent(roomId)}/settings`;

  useEffect(() => {
    const controller = new AbortController();
    api<{ settings: Settings }>(path, { token, signal: controller.signal }).then(
      (answer) => setSettings(answer.settings),
      (failure: unknown) => {
        if (!controller.signal.aborted)
          setError(message(failure, 'The settings could not be read.'));
      },
    );
    return () => controller.abort();
  }, [path, token]);

  /** The box shows the change at once; a refusal puts it back and says why. */
  const change = async (setting: Setting, value: boolean) => {
    const before = settings;
    setSettings((current) => current && { ...current, [setting]: value });
    setSaving(setting);
    setError(null);
    try {
      const answer = await api<{ settings: Settings }>(path, { token, body: { [setting]: value } });
      setSettings(answer.settings);
    } catch (failure) {
      setSettings(before);
      setError(message(failure, 'The setting was not saved.'));
    } finally {
      setSaving(null);
    }
  };
  return (
    <section className="room-settings" aria-labelledby={headingId}>
      <h2 id={headingId}>Room settings</h2>
      {settings &&
        (Object.keys(LABELS) as Setting[]).map((setting) => (
          <label key={setting}>
            <input
              type="checkbox"
              checked={settings[setting]}
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

function message(failure: unknown, fallback: string): string {
  return failure instanceof ApiError ? failure.message : fallback;
}
