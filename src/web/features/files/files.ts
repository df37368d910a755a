import type { FileInfo, Member, Message } from '../../../protocol/schemas.js';

function byCreation(a: FileInfo, b: FileInfo): number {
  return a.createdAt === b.createdAt
    ? a.id.localeCompare(b.id)
    : a.createdAt < b.createdAt
      ? -1
      : 1;
}

/**
 * Merges files into a list kept oldest first with one entry per id, as `room:state` sends them.
 * A file arrives twice for its uploader (the upload's response and `file:added`).
 */
export function mergeFiles(
  current: readonly FileInfo[],
  incoming: readonly FileInfo[],
): readonly FileInfo[] {
  const fresh = incoming.filter((file) => !current.some((known) => known.id === file.id));
  if (fresh.length === 0) return current;
  const byId = new Map<string, FileInfo>();
  for (const file of [...current, ...fresh]) byId.set(file.id, file);
  return [...byId.values()].sort(byCreation);
}

/** The gallery shows the newest first: what was just shared is at the top, without scrolling. */
export function galleryOrder(files: readonly FileInfo[]): FileInfo[] {
  return [...files].reverse();
}

/**
 * Who shared a file: the sender of its chat message (which names people who have since left),
 * else the member with the uploader's id.
 */
export function uploaderName(
  file: FileInfo,
  messages: readonly Message[],
  members: readonly Member[],
): string | null {
  const message = messages.find((candidate) => candidate.fileId === file.id);
  if (message?.sender) return message.sender.displayName;
  return members.find((member) => member.id === file.uploaderId)?.displayName ?? null;
}

/** A short label for a file without a preview: its extension ("PDF"), or "FILE". */
export function fileBadge(name: string): string {
  const match = /\.([a-z0-9]{1,5})$/i.exec(name);
  return match?.[1] ? match[1].toUpperCase() : 'FILE';
}
