/** Code execution's requests, results and socket events (API.md, "Code execution"). */
import { z } from 'zod';
import { clientEvent } from './clientEvent.js';
import { serverEvent } from './serverEvent.js';

/** Largest program a run accepts (characters of source). */
export const EXEC_CODE_MAX_BYTES = 1_048_576;
/** Largest standard input a run accepts. */
export const EXEC_STDIN_MAX_BYTES = 65_536;

const utf8Bytes = (value: string) => new TextEncoder().encode(value).byteLength;

export const execRunSchema = z.strictObject({
  language: z.string().min(1).max(40),
  code: z
    .string()
    .refine((code) => utf8Bytes(code) <= EXEC_CODE_MAX_BYTES, 'at most 1 MiB of code'),
  stdin: z
    .string()
    .refine((stdin) => utf8Bytes(stdin) <= EXEC_STDIN_MAX_BYTES, 'at most 64 KiB of input')
    .optional(),
});
export type ExecRunInput = z.infer<typeof execRunSchema>;

export const execResultSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int(),
  timedOut: z.boolean(),
  /** Output past the cap was cut off. */
  truncated: z.boolean(),
  durationMs: z.number().min(0),
  /** Only on a run its member stopped (`POST …/exec/stop`): then `exitCode` is 137. */
  stopped: z.literal(true).optional(),
});
export type ExecResult = z.infer<typeof execResultSchema>;

export interface LanguageInfo {
  id: string;
  name: string;
  version: string;
  driver: string;
}

/** A run going on in a room: who started it, in which language. */
export const execRunningSchema = z.object({
  memberId: z.string().min(1),
  language: z.string().min(1),
  runId: z.string().min(1),
});
export type ExecRunning = z.infer<typeof execRunningSchema>;

/** The room's runs in `room:state`: the last one that ended, and those going on. */
export const execStateSchema = z.object({
  lastRun: z
    .object({
      memberId: z.string().min(1),
      language: z.string().min(1),
      result: execResultSchema,
      at: z.iso.datetime(),
    })
    .nullable(),
  running: z.array(execRunningSchema),
});
export type ExecState = z.infer<typeof execStateSchema>;

export const execClientEvents = {
  'exec:run': clientEvent(execRunSchema).acks<{ result: ExecResult }>(),
};

export const execServerEvents = {
  /** A run was accepted, to the whole room; its `exec:result` carries the same `runId`. */
  'exec:started': serverEvent(execRunningSchema),
  /** A run's result, to the whole room: who ran it and in which language. */
  'exec:result': serverEvent(execRunningSchema.extend({ result: execResultSchema })),
};
