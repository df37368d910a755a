import type { FileInfo } from '../../../protocol/schemas.js';
import { FileThumb } from './FileThumb.js';
import { isImage, type FileLinks } from './fileLinks.js';
import { fileBadge } from './files.js';
import { fitWithin } from './fitWithin.js';
import { formatBytes } from './formatBytes.js';

/** The largest a picture is shown in the chat; a tap opens it full size. */
const CHAT_BOX = { width: 320, height: 320 };

/**
 * What a `file` message shows: the picture (opens the lightbox) or a chip that downloads the
 * file. Until the room's file list knows the file, just its name. Once the room has ended its
 * links no longer work: a picture already loaded stays (from the browser's cache, never asked for
 * again), anything else is its name.
 */
export function FileAttachment({
  name,
  file,
  links,
  onOpen,
  ended = false,
}: {
  name: string;
  file: FileInfo | undefined;
  links: FileLinks | null;
  onOpen: (fileId: string) => void;
  ended?: boolean;
}) {
  if (!file || !links || (ended && !isImage(file))) {
    return (
      <p className="body">
        <span aria-hidden="true">📎 </span>
        <span className="visually-hidden">File: </span>
        {name}
      </p>
    );
  }
  if (isImage(file)) {
    const size = fitWithin(file.width, file.height, CHAT_BOX);
    const thumb = (
      <FileThumb
        file={file}
        links={links}
        sizes={`(max-width: 720px) 70vw, ${CHAT_BOX.width}px`}
        width={size?.width ?? CHAT_BOX.width}
        height={size?.height ?? Math.round((CHAT_BOX.width * 3) / 4)}
      />
    );
    // The full-size view would need the server: an ended room's picture is shown as it is.
    if (ended) return <span className="message-image">{thumb}</span>;
    return (
      <button
        type="button"
        className="message-image"
        title={`Open ${file.name}`}
        onClick={() => onOpen(file.id)}
      >
        {thumb}
      </button>
    );
  }
  return (
    <a className="file-chip" href={links.original(file)} download={file.name}>
      <span className="file-badge" aria-hidden="true">
        {fileBadge(file.name)}
      </span>
      <span className="file-chip-text">
        <span className="file-name">{file.name}</span>
        <span className="file-size">
          <span className="visually-hidden">, </span>
          {formatBytes(file.size)} · Download
        </span>
      </span>
    </a>
  );
}
