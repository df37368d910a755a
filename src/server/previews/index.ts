import type { Feature } from '../kernel/Feature.js';
import { ImageSigner } from '../media/ImageSigner.js';
import { avatarRoutes } from './avatar.routes.js';
import { imagesRoutes } from './images.routes.js';
import { LinkCards } from './LinkCards.js';
import { logoRoutes } from './logo.routes.js';
import { Logos, type LogosOptions } from './Logos.js';
import { MessageCards } from './MessageCards.js';
import type { OEmbedProvider } from './oembed.js';
import { previewsRoutes } from './previews.routes.js';
import { RemoteImages } from './RemoteImages.js';

/**
 * Link previews and images from the web: cards for links in messages (attached as
 * `message:updated`) and by URL (`/api/previews`), the image proxy (`/api/images`, signed URLs
 * or a member's session), sites' logos for the cards (`/api/logo`), members' avatars from their
 * integrators' tickets. Every fetch goes through the outbound door; every image through the
 * upload pipeline or, for logos, normaliseLogo.
 */
export function previews(
  options: { oembedProviders?: readonly OEmbedProvider[] } & LogosOptions = {},
): Feature {
  return {
    name: 'previews',
    needs: ['chat'],
    async install({ core, http, onShutdown }) {
      const images = new RemoteImages(core);
      const signer = new ImageSigner(core.config.sessionSecret);
      const cards = new LinkCards(core, signer, options);
      const logos = new Logos(core, options);
      const messageCards = new MessageCards(core, cards);
      await http(imagesRoutes(core, images, signer));
      await http(avatarRoutes(core, images));
      await http(logoRoutes(core, logos, signer));
      await http(previewsRoutes(core, cards, messageCards));
      onShutdown('services', () => messageCards.settle());
    },
  };
}
