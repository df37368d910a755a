import type { FileInfo } from '../../../protocol/schemas.js';
import { DownloadLink } from './DownloadLink.js';
import { FileThumb } from './FileThumb.js';
import type { FileLinks } from './fileLinks.js';
import { isImage } from './fileLinks.js';
import { fileBadge, galleryOrder } from './files.js';
import { formatBytes } from './formatBytes.js';

/** Three columns: a third of a phone's width, or of the 320px sidebar on wider screens. */
const TILE_SIZES = '(max-width: 720px) 34vw, 104px';

function FileTile({ file, links, ended }: { file: FileInfo; links: FileLinks; ended: boolean }) {
  return (
    <div className="file-tile">
      <div className="file-tile-top">
        <span className="file-badge" aria-hidden="true">
          {fileBadge(file.name)}
        </span>
        {/* An ended room's links no longer work: the tile keeps its name and size only. */}
        {!ended && (
          <DownloadLink
            href={links.original(file)}
            fileName={file.name}
            label={`Download ${file.name}`}
            className="file-tile-download"
          >
            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
              <path
                d="M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19.5h14"
                fill="none"
                stroke="currentColor"
                strokeWidth="2"
                strokeLinecap="round"
                strokeLinejoin="round"
              />
            </svg>
          </DownloadLink>
        )}
      </div>
      <span className="file-name" title={file.name}>
        {file.name}
      </span>
      <span className="file-size">{formatBytes(file.size)}</span>
    </div>
  );
}

/**
 * The region "Files": everything shared in the room, newest first. Pictures open in the
 * lightbox; other files show their name and size with a download button. Once the room has
 * ended, pictures already loaded stay as they are and nothing opens or downloads.
 */
export function FilesPanel({
  id,
  files,
  links,
  onOpen,
  ended = false,
}: {
  id?: string;
  files: readonly FileInfo[];
  links: FileLinks;
  onOpen: (fileId: string) => void;
  ended?: boolean;
}) {
  return (
    <section id={id} aria-label="Files" className="files-panel">
      <h2>
        Files <span className="count">{files.length}</span>
      </h2>
      {files.length === 0 ? (
        <p className="files-empty">
          Nothing shared yet. Use <strong>Upload</strong>, drop files on the room or paste a
          picture.
        </p>
      ) : (
        <ul className="gallery">
          {galleryOrder(files).map((file) => (
            <li key={file.id} className={isImage(file) ? 'gallery-item image' : 'gallery-item'}>
              {isImage(file) && ended ? (
                <span className="thumb-button" title={file.name}>
                  <FileThumb file={file} links={links} sizes={TILE_SIZES} />
                </span>
              ) : isImage(file) ? (
                <button
                  type="button"
                  className="thumb-button"
                  title={file.name}
                  onClick={() => onOpen(file.id)}
                >
                  <FileThumb file={file} links={links} sizes={TILE_SIZES} />
                </button>
              ) : (
                <FileTile file={file} links={links} ended={ended} />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
