/**
 * zod compiles object schemas with `new Function` when it may, after a probe that calls
 * `Function('')`. The page's Content-Security-Policy allows no eval, so the probe would be a
 * reported violation on every page that parses anything: the web client tells zod not to try.
 * Imported first by main.tsx, before any schema is parsed.
 */
import { z } from 'zod';

z.config({ jitless: true });
