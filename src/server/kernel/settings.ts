import type { z } from 'zod';

/**
 * A feature's settings: the environment variables it reads, each with the schema that validates
 * it (its default, and a `.describe()` line that `roomkit --help` shows), and how they become the
 * feature's part of `Config`. Declared in the
 * feature's `settings.ts`; config.ts validates them with the core's, so a bad value stops the
 * start with one line naming the variable, whichever feature owns it.
 */
export interface FeatureSettings<Shape extends z.ZodRawShape = z.ZodRawShape, Out = unknown> {
  readonly variables: Shape;
  read(env: z.output<z.ZodObject<Shape>>): Out;
}

export function defineSettings<Shape extends z.ZodRawShape, Out>(
  variables: Shape,
  read: (env: z.output<z.ZodObject<Shape>>) => Out,
): FeatureSettings<Shape, Out> {
  return { variables, read };
}

/**
 * Whether `value` is `<prefix><URL>` with an http(s) URL without credentials (`piston:…`,
 * `janus:…`): fetch refuses credentials in a URL, and a secret belongs in its own variable.
 */
export function isPrefixedHttpUrl(value: string, prefix: string): boolean {
  if (!value.startsWith(prefix)) return false;
  try {
    const url = new URL(value.slice(prefix.length));
    return ['http:', 'https:'].includes(url.protocol) && !url.username && !url.password;
  } catch {
    return false;
  }
}
