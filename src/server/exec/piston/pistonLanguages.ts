import type { PistonRuntime } from './piston.schema.js';

/**
 * The Roomkit languages the piston driver can offer, and how each is found among a Piston
 * server's runtimes. Only languages with programs in `execSnippets.ts` belong here: the contract
 * suite runs every language a driver offers.
 */
export interface PistonLanguage {
  /** The language id of API.md (`GET /api/exec/languages`). */
  id: string;
  name: string;
  /** Piston language names or aliases that mean this language, the first being Piston's own. */
  names: readonly string[];
  /** Among several runtimes of the language, the one wanted (`javascript` is also deno's, bun's). */
  runtime?: string;
  /** The file the program is sent as (Piston runs the first file). */
  file: string;
  /** Compiled by Piston first: compile limits are sent with the run. */
  compiled?: boolean;
  /**
   * TypeScript is stripped of types on the server (esbuild, no code runs) and sent to the
   * JavaScript runtime, as the other drivers do, rather than to Piston's `typescript` package,
   * which type-checks with tsc and would refuse programs the other drivers run.
   */
  stripTypes?: boolean;
}

const javascript: PistonLanguage = {
  id: 'javascript',
  name: 'JavaScript',
  names: ['javascript', 'node-javascript', 'node-js', 'js', 'node'],
  runtime: 'node',
  file: 'main.js',
};

export const pistonLanguages: readonly PistonLanguage[] = [
  javascript,
  { ...javascript, id: 'typescript', name: 'TypeScript', stripTypes: true },
  { id: 'python', name: 'Python', names: ['python', 'python3', 'py3', 'py'], file: 'main.py' },
  { id: 'bash', name: 'Bash', names: ['bash', 'sh'], file: 'main.sh' },
  { id: 'c', name: 'C', names: ['c', 'gcc'], runtime: 'gcc', file: 'main.c', compiled: true },
  {
    id: 'cpp',
    name: 'C++',
    names: ['c++', 'cpp', 'g++'],
    runtime: 'gcc',
    file: 'main.cpp',
    compiled: true,
  },
];

/**
 * The runtime that serves `language`, or undefined. Preferred: Piston's own name over an alias,
 * then the wanted runtime (or a language with a single runtime), then the newest version.
 */
export function pickRuntime(
  language: PistonLanguage,
  runtimes: readonly PistonRuntime[],
): PistonRuntime | undefined {
  const score = (runtime: PistonRuntime) =>
    (runtime.language === language.names[0] ? 2 : 0) +
    (runtime.runtime === undefined || runtime.runtime === language.runtime ? 1 : 0);
  return runtimes
    .filter(
      (runtime) =>
        language.names.includes(runtime.language) ||
        runtime.aliases.some((alias) => language.names.includes(alias)),
    )
    .sort((a, b) => score(b) - score(a) || compareVersions(b.version, a.version))[0];
}

/** Numeric, part by part: `3.10.0` is newer than `3.9.4`. */
function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split(/\D+/).filter(Boolean).map(Number);
  const [left, right] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
