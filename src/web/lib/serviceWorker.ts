/**
 * Registers /sw.js (public/sw.js): the offline app shell and the PWA share target. Only in
 * production builds: under `npm run dev` a worker would serve stale shells over Vite's own.
 * Service workers exist only in secure contexts (https, localhost); elsewhere this does nothing
 * and the server answers a share with /share?status=no-service-worker.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
      // The app works without it; only offline start and sharing into rooms are lost.
      console.warn('Roomkit: the service worker could not be registered', error);
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
