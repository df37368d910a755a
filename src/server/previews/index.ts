import type { Feature } from '../kernel/Feature.js';
import { ImageSigner } from '../media/ImageSigner.js';
import { avatarRoutes } from './avatar.routes.js';
import { imagesRoutes } from './images.routes.js';
import { RemoteImages } from './RemoteImages.js';

/**
 * Images from the web, re-served by this server: the image proxy (`/api/images`, signed URLs or
 * a member's session) and members' avatars from their integrators' tickets. Every fetch goes
 * through the outbound door; every image through the upload pipeline.
 */
export const previews: Feature = {
  name: 'previews',
  async install({ core, http }) {
    const images = new RemoteImages(core);
    const signer = new ImageSigner(core.config.sessionSecret);
    await http(imagesRoutes(core, images, signer));
    await http(avatarRoutes(core, images));
  },
};
