import { AppError } from '../core/AppError.js';
import type { ExecDriver, ExecResult, LanguageInfo } from './ExecDriver.js';

/** EXEC_DRIVER=off: no languages, and every run is refused. */
export class OffDriver implements ExecDriver {
  readonly id = 'off';

  async languages(): Promise<LanguageInfo[]> {
    return [];
  }

  async run(): Promise<ExecResult> {
    throw new AppError('invalid_request', 'Code execution is turned off on this server.');
  }

  async close(): Promise<void> {}
}
