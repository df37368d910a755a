import type { BenchContext } from '../lib/bench.js';

/** What every benchmark of the files suite is handed. */
export interface FilesContext extends BenchContext {
  /** The 12 MP JPEG every file benchmark uploads. */
  photo: Buffer;
}
