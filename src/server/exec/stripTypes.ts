import { transform } from 'esbuild';
import type { ExecResult } from './ExecDriver.js';

/**
 * TypeScript to JavaScript by esbuild (types removed, nothing checked or run), or the compiler's
 * messages as a program's stderr would show them (`main.ts:1:19: error: …`).
 */
export async function stripTypes(
  code: string,
): Promise<{ ok: true; code: string } | { ok: false; stderr: string }> {
  try {
    return {
      ok: true,
      code: (await transform(code, { loader: 'ts', sourcefile: 'main.ts' })).code,
    };
  } catch (error) {
    return { ok: false, stderr: `${esbuildMessage(error)}\n` };
  }
}

/** The result of a program that did not compile: the compiler's messages, exit code 1. */
export function notCompiled(stderr: string, durationMs: number): ExecResult {
  return { stdout: '', stderr, exitCode: 1, timedOut: false, truncated: false, durationMs };
}

function esbuildMessage(error: unknown): string {
  const errors = (
    error as { errors?: { text: string; location?: { line: number; column: number } | null }[] }
  ).errors;
  if (!Array.isArray(errors) || errors.length === 0) return 'The TypeScript could not be compiled.';
  return errors
    .map((e) =>
      e.location
        ? `main.ts:${e.location.line}:${e.location.column + 1}: error: ${e.text}`
        : `error: ${e.text}`,
    )
    .join('\n');
}
