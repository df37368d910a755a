/**
 * Programs for the exec driver contract (`execContract.ts`), one set per language id. Each
 * program means the same in every language: `hello` prints exactly `hello\n`, `echo` prints each
 * line of stdin upper-cased, and the attacks try what their names say. Where a runtime lacks the
 * means (QuickJS has no `require`, no timers), the attack fails inside the program, which is fine:
 * the contract checks what the program achieved, not how it failed.
 */
export interface Snippets {
  hello: string;
  echo: string;
  /** Ends with `exitCode` by itself. */
  exit: { code: string; exitCode: number };
  infiniteLoop: string;
  /** Never ends, mostly asleep (so a CPU limit alone would not stop it). */
  sleepLoop: string;
  memoryHog: string;
  /** Every process of the bomb carries `marker` in its name or command line. */
  forkBomb: (marker: string) => string;
  /** Tries to print 1 GiB. */
  flood: string;
  /** Prints each file's contents, or the error. */
  readFiles: (paths: string[]) => string;
  /** Prints the whole environment. */
  printEnv: string;
  /** Writes `escaped` to each path, printing what worked. */
  writeFiles: (paths: string[]) => string;
  /** Connects to 127.0.0.1:`port`, printing `connected` if that worked. */
  connect: (port: number) => string;
  /** Starts a process that detaches from the run (own session) with `marker` in its command line. */
  daemon: (marker: string) => string;
  /** Replaces each named file, in the working directory and in /tmp, with a symlink to `target`. */
  plantSymlinks: (names: string[], target: string) => string;
}

const js = (value: unknown) => JSON.stringify(value);

const javascript: Snippets = {
  hello: "console.log('hello');",
  echo: `const input = typeof stdin === 'string' ? stdin : require('fs').readFileSync(0, 'utf8');
for (const line of input.split('\\n')) if (line) console.log(line.toUpperCase());`,
  exit: { code: "throw new Error('boom');", exitCode: 1 },
  infiniteLoop: 'for (;;) {}',
  sleepLoop: "if (typeof setInterval === 'function') setInterval(() => {}, 1000); else for (;;) {}",
  memoryHog: "const a = []; for (;;) a.push(new Array(1e6).fill(1.5)); console.log('survived');",
  forkBomb: (marker) => `for (;;) {
  try {
    require('child_process')
      .spawn('sleep', ['1000'], { argv0: ${js(marker)}, detached: true, stdio: 'ignore' })
      .on('error', () => {});
  } catch {}
}`,
  flood: "const s = 'x'.repeat(1 << 16); for (let i = 0; i < 1 << 14; i++) console.log(s);",
  readFiles: (paths) => `for (const path of ${js(paths)}) {
  try { console.log(require('fs').readFileSync(path, 'utf8')); } catch (e) { console.log(String(e)); }
}`,
  printEnv:
    'try { console.log(JSON.stringify(process.env)); } catch (e) { console.log(String(e)); }',
  writeFiles: (paths) => `for (const path of ${js(paths)}) {
  try { require('fs').writeFileSync(path, 'escaped'); console.log('wrote', path); } catch (e) { console.log(String(e)); }
}`,
  connect: (port) => `try {
  const socket = require('net').connect(${port}, '127.0.0.1');
  socket.on('connect', () => { console.log('connected'); socket.end(); });
  socket.on('error', (e) => console.log(String(e)));
} catch (e) { console.log(String(e)); }`,
  daemon: (marker) => `try {
  require('child_process')
    .spawn('sleep', ['1000'], { argv0: ${js(marker)}, detached: true, stdio: 'ignore' })
    .unref();
  console.log('spawned');
} catch (e) { console.log(String(e)); }`,
  plantSymlinks: (names, target) => `const fs = require('fs');
for (const name of ${js(names)}) for (const path of [name, '/tmp/' + name]) {
  try { fs.rmSync(path, { force: true }); fs.symlinkSync(${js(target)}, path); } catch (e) { console.log(String(e)); }
}`,
};

/** The same programs behind a type annotation, so that they are TypeScript only. */
const typed = (code: string) => `const language: string = 'typescript';\n${code}`;
const typescript: Snippets = {
  hello: typed(javascript.hello),
  echo: typed(javascript.echo),
  exit: { ...javascript.exit, code: typed(javascript.exit.code) },
  infiniteLoop: typed(javascript.infiniteLoop),
  sleepLoop: typed(javascript.sleepLoop),
  memoryHog: typed(javascript.memoryHog),
  forkBomb: (marker) => typed(javascript.forkBomb(marker)),
  flood: typed(javascript.flood),
  readFiles: (paths) => typed(javascript.readFiles(paths)),
  printEnv: typed(javascript.printEnv),
  writeFiles: (paths) => typed(javascript.writeFiles(paths)),
  connect: (port) => typed(javascript.connect(port)),
  daemon: (marker) => typed(javascript.daemon(marker)),
  plantSymlinks: (names, target) => typed(javascript.plantSymlinks(names, target)),
};

const python: Snippets = {
  hello: "print('hello')",
  echo: "import sys\nfor line in sys.stdin:\n    print(line.rstrip('\\n').upper())",
  exit: { code: 'import sys\nsys.exit(3)', exitCode: 3 },
  infiniteLoop: 'while True:\n    pass',
  sleepLoop: 'import time\nwhile True:\n    time.sleep(1)',
  memoryHog: "a = []\nwhile True:\n    a.append(bytearray(10**7))\nprint('survived')",
  forkBomb: (marker) => `import os
try:
    import ctypes
    ctypes.CDLL(None).prctl(15, ${js(marker)}.encode(), 0, 0, 0)
except Exception:
    pass
while True:
    try:
        os.fork()
    except OSError:
        pass`,
  flood: "import sys\ns = 'x' * 65536\nfor _ in range(16384):\n    sys.stdout.write(s)",
  readFiles: (paths) => `for path in ${js(paths)}:
    try:
        print(open(path, errors='replace').read())
    except Exception as e:
        print(repr(e))`,
  printEnv: 'import os\nprint(dict(os.environ))',
  writeFiles: (paths) => `for path in ${js(paths)}:
    try:
        with open(path, 'w') as f:
            f.write('escaped')
        print('wrote', path)
    except Exception as e:
        print(repr(e))`,
  connect: (port) => `import socket
s = socket.socket()
s.settimeout(2)
try:
    s.connect(('127.0.0.1', ${port}))
    print('connected')
except Exception as e:
    print(repr(e))`,
  daemon: (marker) => `import os
try:
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execvp('sleep', [${js(marker)}, '1000'])
        os._exit(0)
    print('spawned')
except Exception as e:
    print(repr(e))`,
  plantSymlinks: (names, target) => `import os
for name in ${js(names)}:
    for path in [name, '/tmp/' + name]:
        try:
            if os.path.lexists(path):
                os.remove(path)
            os.symlink(${js(target)}, path)
        except Exception as e:
            print(repr(e))`,
};

/** Single-quoted for sh; the contract's paths and markers hold no quotes. */
const sh = (words: string[]) => words.map((word) => `'${word}'`).join(' ');

const bash: Snippets = {
  hello: 'echo hello',
  echo: 'while IFS= read -r line; do echo "${line^^}"; done',
  exit: { code: 'exit 3', exitCode: 3 },
  infiniteLoop: 'while :; do :; done',
  sleepLoop: 'while :; do sleep 1; done',
  memoryHog: 'x=y; while :; do x="$x$x"; done; echo survived',
  forkBomb: (marker) =>
    `printf %s '${marker}' > /proc/$BASHPID/comm; f() { f | f & }; while :; do f; done`,
  flood: 'yes xxxxxxxxxxxxxxx | head -c 1073741824',
  readFiles: (paths) => `for f in ${sh(paths)}; do cat "$f"; echo; done`,
  printEnv: 'env; set',
  writeFiles: (paths) =>
    `for f in ${sh(paths)}; do echo escaped > "$f" && echo "wrote $f"; done; true`,
  connect: (port) => `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`,
  daemon: (marker) =>
    `(setsid bash -c "exec -a '${marker}' sleep 1000" </dev/null >/dev/null 2>&1 &); echo spawned`,
  plantSymlinks: (names, target) =>
    `for n in ${sh(names)}; do ln -sfn '${target}' "$n"; ln -sfn '${target}' "/tmp/$n"; done; true`,
};

const cString = (value: string) => JSON.stringify(value);
const cList = (values: string[]) => `{ ${values.map(cString).join(', ')} }`;

/** Written so that each also compiles as C++. */
const cPrograms: Omit<Snippets, 'hello' | 'echo'> = {
  exit: { code: 'int main(void) { return 3; }', exitCode: 3 },
  infiniteLoop: 'int main(void) { volatile unsigned long n = 0; for (;;) n++; }',
  sleepLoop: '#include <unistd.h>\nint main(void) { for (;;) sleep(1); }',
  memoryHog: `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  for (;;) {
    char *p = (char *) malloc(1 << 24);
    if (!p) { fputs("out of memory\\n", stderr); return 1; }
    memset(p, 1, 1 << 24);
  }
}`,
  forkBomb: (marker) => `#include <sys/prctl.h>
#include <unistd.h>
int main(void) { prctl(PR_SET_NAME, ${cString(marker)}); for (;;) fork(); }`,
  flood: `#include <stdio.h>
#include <string.h>
int main(void) {
  static char s[65536];
  memset(s, 'x', sizeof s);
  for (int i = 0; i < 16384; i++) fwrite(s, 1, sizeof s, stdout);
  return 0;
}`,
  readFiles: (paths) => `#include <stdio.h>
int main(void) {
  const char *paths[] = ${cList(paths)};
  for (unsigned i = 0; i < sizeof paths / sizeof *paths; i++) {
    FILE *f = fopen(paths[i], "r");
    if (!f) { perror(paths[i]); continue; }
    char buf[4096]; size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    fclose(f);
  }
  return 0;
}`,
  printEnv: `#include <stdio.h>
extern char **environ;
int main(void) { for (char **e = environ; *e; e++) puts(*e); return 0; }`,
  writeFiles: (paths) => `#include <stdio.h>
int main(void) {
  const char *paths[] = ${cList(paths)};
  for (unsigned i = 0; i < sizeof paths / sizeof *paths; i++) {
    FILE *f = fopen(paths[i], "w");
    if (!f) { perror(paths[i]); continue; }
    fputs("escaped", f); fclose(f); printf("wrote %s\\n", paths[i]);
  }
  return 0;
}`,
  connect: (port) => `#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
int main(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) { perror("socket"); return 0; }
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET; a.sin_port = htons(${port}); a.sin_addr.s_addr = htonl(0x7f000001);
  if (connect(s, (struct sockaddr *) &a, sizeof a) == 0) puts("connected"); else perror("connect");
  return 0;
}`,
  daemon: (marker) => `#include <stdio.h>
#include <unistd.h>
int main(void) {
  if (fork() == 0) {
    setsid();
    if (fork() == 0) { execlp("sleep", ${cString(marker)}, "1000", (char *) 0); _exit(1); }
    _exit(0);
  }
  puts("spawned");
  return 0;
}`,
  plantSymlinks: (names, target) => `#include <stdio.h>
#include <unistd.h>
int main(void) {
  const char *names[] = ${cList(names)};
  char path[256];
  for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
    unlink(names[i]); symlink(${cString(target)}, names[i]);
    snprintf(path, sizeof path, "/tmp/%s", names[i]);
    unlink(path); symlink(${cString(target)}, path);
  }
  return 0;
}`,
};

const c: Snippets = {
  ...cPrograms,
  hello: '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }',
  echo: `#include <ctype.h>
#include <stdio.h>
int main(void) {
  int ch;
  while ((ch = getchar()) != EOF) putchar(toupper(ch));
  return 0;
}`,
};

const cpp: Snippets = {
  ...cPrograms,
  hello: '#include <iostream>\nint main() { std::cout << "hello" << std::endl; }',
  echo: `#include <algorithm>
#include <cctype>
#include <iostream>
#include <string>
int main() {
  for (std::string line; std::getline(std::cin, line);) {
    std::transform(line.begin(), line.end(), line.begin(), [](unsigned char c) { return std::toupper(c); });
    std::cout << line << '\\n';
  }
}`,
};

/** Programs by language id (API.md, "Code execution"). */
export const execSnippets: Record<string, Snippets> = {
  javascript,
  typescript,
  python,
  bash,
  c,
  cpp,
};
