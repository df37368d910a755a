/**
 * The shared code holds at most `CODE_MAX_CHARS` characters (the server closes the connection
 * with 4413 `document_too_large` past it, and applies nothing of the edit). The editor refuses
 * a change of its own that would cross the line, so a big paste is turned down at once instead
 * of costing this person the connection.
 */
import { CODE_MAX_CHARS } from '../../../protocol/collab.js';

export const TOO_LARGE_MESSAGE = 'The code is too large to share (max 1 MB).';

/**
 * Whether text of `length` UTF-16 code units is over the limit. The server counts `Y.Text`
 * length, which is the same unit as CodeMirror's document length.
 */
export function exceedsCodeLimit(length: number): boolean {
  return length > CODE_MAX_CHARS;
}
