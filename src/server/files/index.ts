import { RedisPendingUploads } from '../cluster/RedisPendingUploads.js';
import { filesClientEvents } from '../../protocol/files.js';
import type { Feature } from '../kernel/Feature.js';
import { FileService } from './FileService.js';
import { filesEvents } from './files.events.js';
import { filesRoutes } from './files.routes.js';
import { PresignedUploads } from './PresignedUploads.js';

declare module '../kernel/services.js' {
  interface Services {
    files: FileService;
  }
}

/**
 * Photos and files: uploads (multipart, Socket.IO, direct to S3), the image pipeline,
 * thumbnails, ranged downloads. Owns the room's files and blobs; contributes
 * `room:state.files`; announces each file in chat.
 */
export const files: Feature = {
  name: 'files',
  needs: ['chat'],
  async install({ core, cluster, staging, http, socket, provide, use }) {
    const service = new FileService(core, use('chat'));
    const pending = cluster && new RedisPendingUploads(cluster.redis, core.config.redisKeyPrefix);
    const uploads = new PresignedUploads(core, service, staging, pending);
    await http(filesRoutes(core, service, uploads));
    socket(filesClientEvents, filesEvents(service));
    provide('files', service);
  },
};
