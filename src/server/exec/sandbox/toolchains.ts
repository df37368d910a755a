/**
 * The native toolchains the sandbox driver knows. Each is offered only if its command answers
 * `--version` inside the sandbox when the driver starts (`SandboxDriver.languages()`).
 */
export interface Toolchain {
  /** The language id of API.md (`GET /api/exec/languages`). */
  id: string;
  name: string;
  /** Run inside the sandbox; the first line of its output is the version shown to users. */
  probe: readonly string[];
  /** Prefix for the probe's line when it does not name the tool itself (`node` says `v20.1.0`). */
  versionPrefix?: string;
  /** Where the program's text is written in the run's directory. */
  source: string;
  /** Builds the program before the run, under limits of its own (`SandboxDriver`). */
  compile?: readonly string[];
  run: readonly string[];
  /**
   * Which rlimit carries the memory limit. `as` (address space) for most; `data` for V8, which
   * reserves gigabytes of address space it never touches, so RLIMIT_AS would keep it from starting
   * while RLIMIT_DATA still counts every writable page it maps.
   */
  memoryLimit: 'as' | 'data';
  /** TypeScript is stripped to JavaScript on the server (esbuild, no code runs) before the run. */
  stripTypes?: boolean;
}

const node: Pick<Toolchain, 'probe' | 'versionPrefix' | 'memoryLimit'> = {
  probe: ['node', '--version'],
  versionPrefix: 'Node.js ',
  memoryLimit: 'data',
};

export const toolchains: readonly Toolchain[] = [
  { id: 'javascript', name: 'JavaScript', ...node, source: 'main.js', run: ['node', 'main.js'] },
  {
    id: 'typescript',
    name: 'TypeScript',
    ...node,
    source: 'main.js',
    run: ['node', 'main.js'],
    stripTypes: true,
  },
  {
    id: 'python',
    name: 'Python',
    probe: ['python3', '--version'],
    source: 'main.py',
    run: ['python3', 'main.py'],
    memoryLimit: 'as',
  },
  {
    id: 'bash',
    name: 'Bash',
    probe: ['bash', '--version'],
    source: 'main.sh',
    run: ['bash', 'main.sh'],
    memoryLimit: 'as',
  },
  {
    id: 'c',
    name: 'C',
    probe: ['gcc', '--version'],
    source: 'main.c',
    compile: ['gcc', '-O2', '-std=gnu17', '-o', 'main', 'main.c', '-lm'],
    run: ['./main'],
    memoryLimit: 'as',
  },
  {
    id: 'cpp',
    name: 'C++',
    probe: ['g++', '--version'],
    source: 'main.cpp',
    compile: ['g++', '-O2', '-std=gnu++20', '-o', 'main', 'main.cpp'],
    run: ['./main'],
    memoryLimit: 'as',
  },
];
