import type { Feature } from '../kernel/Feature.js';
import { ImageSigner } from '../media/ImageSigner.js';
import { avatarRoutes } from './avatar.routes.js';
import { imagesRoutes } from './images.routes.js';
import { LinkCards } from './LinkCards.js';
import { MessageCards } from './MessageCards.js';
import type { OEmbedProvider } from './oembed.js';
import { previewsRoutes } from './previews.routes.js';
import { RemoteImages } from './RemoteImages.js';

/**
 * Link previews and images from the web: cards for links in messages (attached as
 * `message:updated`) and by URL (`/api/previews`), the image proxy (`/api/images`, signed URLs
 * or a member's session), members' avatars from their integrators' tickets. Every fetch goes
 * through the outbound door; every image through the upload pipeline.
 */
export function previews(options: { oembedProviders?: readonly OEmbedProvider[] } = {}): Feature {
  return {
    name: 'previews',
    needs: ['chat'],
    async install({ core, http, onShutdown }) {
      const images = new RemoteImages(core);
      const signer = new ImageSigner(core.config.sessionSecret);
      const cards = new LinkCards(core, signer, options);
      const messageCards = new MessageCards(core, cards);
      await http(imagesRoutes(core, images, signer));
      await http(avatarRoutes(core, images));
      await http(previewsRoutes(core, cards, messageCards));
      onShutdown('services', () => messageCards.settle());
    },
  };
}
