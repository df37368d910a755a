import { useState } from 'react';
import { ADMIN_DEFAULT_GRACE_SECONDS, type AdminRoom } from '../../../protocol/admin.js';
import { ChoiceGroup, ConfirmDialog } from './ConfirmDialog.js';

const graces = [
  { value: 0, label: 'None: delete at once' },
  { value: 30, label: '30 seconds' },
  { value: 60, label: '1 minute' },
  { value: 300, label: '5 minutes' },
] as const;

/**
 * "Delete <room>?": how long the members are warned first (30 s unless chosen otherwise); during
 * that countdown the delete can still be cancelled.
 */
export function DeleteRoomDialog({
  room,
  onDelete,
  onCancel,
}: {
  room: AdminRoom;
  onDelete: (graceSeconds: number) => Promise<void>;
  onCancel: () => void;
}) {
  const [grace, setGrace] = useState<number>(ADMIN_DEFAULT_GRACE_SECONDS);
  return (
    <ConfirmDialog
      title={`Delete ${room.name}?`}
      confirmLabel="Delete room"
      onConfirm={() => onDelete(grace)}
      onCancel={onCancel}
    >
      <p>
        Everyone in it sees a countdown, then the room and all it holds (messages, files, code) are
        deleted. Until the countdown ends, the delete can be cancelled.
      </p>
      <ChoiceGroup legend="Countdown" choices={graces} value={grace} onChange={setGrace} />
    </ConfirmDialog>
  );
}
