import { z } from 'zod';
import { defineSettings, isPrefixedHttpUrl } from '../kernel/settings.js';

/** `piston:http://piston:2000`: where Piston serves `/api/v2/`. */
const isPistonUrl = (value: string) => isPrefixedHttpUrl(value, 'piston:');

/** Code execution's settings (API.md, "Running"): which driver runs the code. */
export const execSettings = defineSettings(
  {
    EXEC_DRIVER: z
      .string()
      .refine(
        (value) => ['wasm', 'sandbox', 'off'].includes(value) || isPistonUrl(value),
        'must be wasm, sandbox, off or piston:<url> with an http(s) URL without credentials',
      )
      .default('wasm')
      .describe('what runs code: wasm, sandbox (bubblewrap, Linux), piston:<url> or off'),
  },
  (env) => ({ driver: env.EXEC_DRIVER }),
);
