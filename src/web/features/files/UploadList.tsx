import { formatBytes } from './formatBytes.js';
import { uploadPercent, type Upload } from './uploads.js';

function UploadItem({
  upload,
  onCancel,
  onRetry,
  onDismiss,
}: {
  upload: Upload;
  onCancel: (id: string) => void;
  onRetry: (id: string) => void;
  onDismiss: (id: string) => void;
}) {
  const { file, status } = upload;
  const percent = uploadPercent(upload);
  return (
    <li className={`upload ${status}`} aria-label={file.name}>
      <div className="upload-line">
        <span className="upload-name" title={file.name}>
          {file.name}
        </span>
        <span className="upload-state">
          {status === 'queued' && 'Waiting…'}
          {status === 'uploading' && `${percent}% of ${formatBytes(file.size)}`}
          {status === 'failed' && 'Not sent'}
        </span>
        {status === 'failed' ? (
          <>
            {upload.retriable && (
              <button type="button" className="small" onClick={() => onRetry(upload.id)}>
                Retry
              </button>
            )}
            <button type="button" className="small quiet" onClick={() => onDismiss(upload.id)}>
              Dismiss
            </button>
          </>
        ) : (
          <button
            type="button"
            className="small quiet icon-button"
            title="Cancel upload"
            onClick={() => onCancel(upload.id)}
          >
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Cancel upload</span>
          </button>
        )}
      </div>
      {status === 'failed' ? (
        <p className="upload-error" role="alert">
          {upload.error}
        </p>
      ) : (
        <div
          className="progress"
          role="progressbar"
          aria-label={`Uploading ${file.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={status === 'queued' ? 'Waiting' : `${percent}%`}
        >
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
      )}
    </li>
  );
}

/** Uploads under way, waiting or refused, each with its progress bar or its error. */
export function UploadList({
  uploads,
  onCancel,
  onRetry,
  onDismiss,
}: {
  uploads: readonly Upload[];
  onCancel: (id: string) => void;
  onRetry: (id: string) => void;
  onDismiss: (id: string) => void;
}) {
  if (uploads.length === 0) return null;
  return (
    <ul className="upload-list" aria-label="Uploads">
      {uploads.map((upload) => (
        <UploadItem
          key={upload.id}
          upload={upload}
          onCancel={onCancel}
          onRetry={onRetry}
          onDismiss={onDismiss}
        />
      ))}
    </ul>
  );
}
