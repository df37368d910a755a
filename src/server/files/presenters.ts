import type { FileInfo } from '../../protocol/schemas.js';
import { iso } from '../core/presenters.js';
import type { FileRecord } from '../storage/records.js';

/** A file record as API.md's FileInfo. */
export function fileView(file: FileRecord): FileInfo {
  const view: FileInfo = {
    id: file.id,
    name: file.name,
    mime: file.mime,
    size: file.size,
    createdAt: iso(file.createdAt),
    uploaderId: file.uploaderId,
    sha256: file.sha256,
  };
  if (file.width !== undefined) view.width = file.width;
  if (file.height !== undefined) view.height = file.height;
  return view;
}
