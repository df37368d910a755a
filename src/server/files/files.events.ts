import { fileView } from './presenters.js';
import type { filesClientEvents } from '../../protocol/files.js';
import type { SocketFeature } from '../transport/socketHandlers.js';
import type { FileService } from './FileService.js';

/** Files over Socket.IO: `file:upload` (binary, acked with the file) and `file:get`. */
export function filesEvents(files: FileService): SocketFeature<typeof filesClientEvents> {
  return (socket, handle) => {
    handle('file:upload', async (membership, { name, data }) => {
      const bytes = Buffer.isBuffer(data)
        ? data
        : data instanceof ArrayBuffer
          ? Buffer.from(data)
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      return files.upload(
        membership,
        name,
        bytes.byteLength,
        async () => bytes,
        () => socket.disconnected,
      );
    });
    handle('file:get', async (membership, { fileId, variant }) => {
      if (variant === 'thumb') {
        const { file, thumb } = await files.thumbnail(membership, fileId, 480, 'webp', undefined);
        return { file: fileView(file), data: thumb.bytes };
      }
      const { file, bytes } = await files.read(membership, fileId);
      return { file: fileView(file), data: bytes };
    });
  };
}
