/**
 * What a phone's share sheet sent to Roomkit, as public/sw.js keeps it in Cache Storage: a JSON
 * description at SHARE_META_KEY and each file under its own key. The names here and in sw.js
 * must agree.
 */
const SHARE_CACHE = 'roomkit-share-v1';
const SHARE_META_KEY = '/__share/meta';

export interface SharedItems {
  receivedAt: string;
  title: string;
  text: string;
  files: File[];
}

interface SharedMeta {
  receivedAt?: unknown;
  title?: unknown;
  text?: unknown;
  files?: unknown;
}

interface StoredFile {
  key: string;
  name: string;
  type: string;
}

function isStoredFile(value: unknown): value is StoredFile {
  if (typeof value !== 'object' || value === null) return false;
  const file = value as Partial<StoredFile>;
  return (
    typeof file.key === 'string' && typeof file.name === 'string' && typeof file.type === 'string'
  );
}

/** Cache Storage exists only in secure contexts (https, localhost), like service workers. */
function storage(): CacheStorage | null {
  return typeof caches === 'undefined' ? null : caches;
}

/** The items waiting to be sent to a room, or null when nothing (readable) is waiting. */
export async function readSharedItems(): Promise<SharedItems | null> {
  const cacheStorage = storage();
  if (!cacheStorage || !(await cacheStorage.has(SHARE_CACHE))) return null;
  const cache = await cacheStorage.open(SHARE_CACHE);
  const metaResponse = await cache.match(SHARE_META_KEY);
  if (!metaResponse) return null;
  let meta: SharedMeta;
  try {
    meta = (await metaResponse.json()) as SharedMeta;
  } catch {
    return null;
  }
  const stored = Array.isArray(meta.files) ? meta.files.filter(isStoredFile) : [];
  const files: File[] = [];
  for (const entry of stored) {
    const response = await cache.match(entry.key);
    if (!response) continue;
    files.push(new File([await response.blob()], entry.name, { type: entry.type }));
  }
  const title = typeof meta.title === 'string' ? meta.title : '';
  const text = typeof meta.text === 'string' ? meta.text : '';
  if (files.length === 0 && !title.trim() && !text.trim()) return null;
  return {
    receivedAt: typeof meta.receivedAt === 'string' ? meta.receivedAt : '',
    title,
    text,
    files,
  };
}

/** Forgets the shared items once they are in a room (or the person gave up on them). */
export async function clearSharedItems(): Promise<void> {
  await storage()?.delete(SHARE_CACHE);
}

/** The shared title and text as one message body ("Title\ntext"), or '' when there is none. */
export function sharedMessage(items: Pick<SharedItems, 'title' | 'text'>): string {
  const title = items.title.trim();
  const text = items.text.trim();
  if (title && text.includes(title)) return text;
  return [title, text].filter(Boolean).join('\n');
}

/**
 * What the share page offers to send, in its heading: "this photo", "these 3 photos", or "file"
 * as soon as one of them is not a picture (the share target takes any file).
 */
export function describeShared(files: readonly Pick<File, 'type'>[]): string {
  if (files.length === 0) return 'this text';
  const noun = files.every((file) => file.type.startsWith('image/')) ? 'photo' : 'file';
  return files.length === 1 ? `this ${noun}` : `these ${files.length} ${noun}s`;
}
