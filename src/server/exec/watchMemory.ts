import { readFile } from 'node:fs/promises';

/** Resident memory of process `pid` in bytes (Linux's /proc), or undefined if it cannot be read. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kilobytes = status && /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kilobytes ? Number(kilobytes) * 1024 : undefined;
}

/**
 * Calls `exceeded` once, as soon as a poll finds process `pid` holding more than `limit` bytes
 * of resident memory. Returns the function that ends the watch. Where /proc cannot be read
 * (not Linux), nothing is watched.
 */
export function watchMemory(
  pid: number,
  limit: number,
  exceeded: () => void,
  everyMs: number,
): () => void {
  let watching = true;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    const resident = await residentBytes(pid);
    if (!watching || resident === undefined) return;
    if (resident > limit) {
      watching = false;
      exceeded();
      return;
    }
    timer = setTimeout(() => void poll(), everyMs);
  };
  void poll();
  return () => {
    watching = false;
    clearTimeout(timer);
  };
}
