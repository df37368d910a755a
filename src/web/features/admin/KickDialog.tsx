import { useState } from 'react';
import { ADMIN_DEFAULT_BAN_SECONDS } from '../../../protocol/admin.js';
import type { MemberPresence } from '../../../protocol/members.js';
import { ChoiceGroup, ConfirmDialog } from './ConfirmDialog.js';

const bans = [
  { value: 600, label: '10 minutes' },
  { value: 0, label: 'None: may rejoin at once' },
  { value: 3_600, label: '1 hour' },
  { value: 86_400, label: '1 day' },
] as const;

/** "Kick <member>?": their connections close, and they are kept out for the ban chosen. */
export function KickDialog({
  member,
  roomName,
  onKick,
  onCancel,
}: {
  member: MemberPresence;
  roomName: string;
  onKick: (banSeconds: number) => Promise<void>;
  onCancel: () => void;
}) {
  const [ban, setBan] = useState<number>(ADMIN_DEFAULT_BAN_SECONDS);
  return (
    <ConfirmDialog
      title={`Kick ${member.displayName}?`}
      confirmLabel="Kick member"
      onConfirm={() => onKick(ban)}
      onCancel={onCancel}
    >
      <p>
        {member.displayName} is removed from {roomName} at once. For the time chosen, they cannot
        join it again from the same account or browser.
      </p>
      <ChoiceGroup legend="Keep them out for" choices={bans} value={ban} onChange={setBan} />
    </ConfirmDialog>
  );
}
