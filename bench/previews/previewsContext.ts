import type { BenchContext } from '../lib/bench.js';

/** What every benchmark of the previews suite is handed. */
export interface PreviewsContext extends BenchContext {
  /** The 12 MP JPEG the proxy's sources are made from. */
  photo: Buffer;
}
