/**
 * The Piston v2 API as far as Roomkit uses it (engineer-man/piston, docs/api-v2.md). Its answers
 * cross a boundary, so each is parsed here; fields Roomkit does not read are let through.
 */
import { z } from 'zod';

/** `GET /api/v2/runtimes`: one entry per installed runtime. */
export const pistonRuntimeSchema = z.object({
  language: z.string().min(1),
  version: z.string().min(1),
  aliases: z.array(z.string()).default([]),
  /** Only present when several runtimes serve one language (`node`, `deno`, `bun`). */
  runtime: z.string().optional(),
});
export const pistonRuntimesSchema = z.array(pistonRuntimeSchema);
export type PistonRuntime = z.infer<typeof pistonRuntimeSchema>;

/**
 * One stage (compile or run) of an execution. `code` is null when a signal ended the process.
 * `status` comes from isolate-based versions: `TO` time limit, `OL`/`EL` stdout/stderr limit,
 * `SG` killed by a signal, `RE` non-zero exit, `XX` Piston's own failure; older versions lack it.
 */
export const pistonStageSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  status: z.string().nullable().optional(),
});
export type PistonStage = z.infer<typeof pistonStageSchema>;

/**
 * `POST /api/v2/execute`'s answer. When compiling fails, older versions leave out `run` and
 * newer ones repeat the compile stage as `run`.
 */
export const pistonExecuteResponseSchema = z.object({
  language: z.string(),
  version: z.string(),
  compile: pistonStageSchema.optional(),
  run: pistonStageSchema.optional(),
});
export type PistonExecuteResponse = z.infer<typeof pistonExecuteResponseSchema>;

/** What Roomkit sends to `POST /api/v2/execute`: the program, its stdin and limits, nothing else. */
export interface PistonExecuteRequest {
  language: string;
  version: string;
  files: { name: string; content: string }[];
  stdin: string;
  args: string[];
  run_timeout: number;
  run_cpu_time: number;
  run_memory_limit: number;
  compile_timeout?: number;
  compile_cpu_time?: number;
  compile_memory_limit?: number;
}

/** A refusal (4xx, some 5xx): `{ message }`. */
export const pistonErrorSchema = z.object({ message: z.string() });
