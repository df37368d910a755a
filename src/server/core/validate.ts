import type { z } from 'zod';
import { AppError } from './AppError.js';

/** Parses untrusted input at a boundary; a failure is a 400 `invalid_request` naming the fields. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  /** What the input is, for messages about the whole of it (`roomId`, `query`…). */
  what = 'body',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.join('.') || what,
    message: issue.message,
  }));
  const first = details[0];
  throw new AppError(
    'invalid_request',
    first ? `${first.path}: ${first.message}` : 'The request is not valid.',
    { details },
  );
}
