import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  output(): string;
  /** Messages it sent over IPC. */
  messages: unknown[];
  send(message: unknown): void;
  /** The next IPC message that matches. */
  next<T>(match: (m: unknown) => m is T, timeoutMs?: number): Promise<T>;
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs a TypeScript entry point as its own Node process: `node --import tsx entry`. Not the tsx CLI,
 * which runs the program as a child of its own: the pid would be the CLI's (its RSS, not the
 * program's) and a kill would not reach the program.
 */
export function startChild(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Child {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const messages: unknown[] = [];
  /** Messages no `next` has taken yet: one may arrive before anyone waits for it. */
  const unclaimed: unknown[] = [];
  const waiters: ((m: unknown) => boolean)[] = [];
  child.on('message', (m: unknown) => {
    messages.push(m);
    const w = waiters.find((fn) => fn(m));
    if (w) waiters.splice(waiters.indexOf(w), 1);
    else unclaimed.push(m);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    process: child,
    pid: child.pid ?? 0,
    output: () => out,
    messages,
    send: (m) => {
      child.send(m as never);
    },
    next<T>(match: (m: unknown) => m is T, timeoutMs = 30_000): Promise<T> {
      const early = unclaimed.findIndex((m) => match(m));
      if (early >= 0) return Promise.resolve(unclaimed.splice(early, 1)[0] as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: no message in ${timeoutMs} ms; output:\n${out}`)),
          timeoutMs,
        );
        waiters.push((m) => {
          if (!match(m)) return false;
          clearTimeout(timer);
          resolve(m);
          return true;
        });
      });
    },
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `url` until it answers 200. */
export async function waitHttp(url: string, timeoutMs = 60_000, child?: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (child && child.process.exitCode !== null) throw new Error(`${child.name} exited: ${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${url} did not answer 200 within ${timeoutMs} ms${child ? `; output:\n${child.output()}` : ''}`,
  );
}

/** Resident set size of a process, bytes (Linux /proc); undefined elsewhere. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples RSS of some processes every `everyMs` until stopped; `mark` labels the samples that follow. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private label = 'idle';
  readonly samples: { pid: number; label: string; rss: number }[] = [];

  constructor(
    private readonly pids: number[],
    private readonly everyMs = 200,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  mark(label: string): void {
    this.label = label;
    this.sample();
  }

  sample(): void {
    for (const pid of this.pids) {
      const rss = pid === process.pid ? process.memoryUsage().rss : rssOf(pid);
      if (rss !== undefined) this.samples.push({ pid, label: this.label, rss });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Median of a label's samples for a pid (MB). */
  median(pid: number, label: string): number {
    const xs = this.samples
      .filter((s) => s.pid === pid && s.label === label)
      .map((s) => s.rss)
      .sort((a, b) => a - b);
    return xs.length ? mb(xs[Math.floor(xs.length / 2)]!) : NaN;
  }

  /** Largest sample for a pid among labels (MB). */
  max(pid: number, labels: (label: string) => boolean): number {
    const xs = this.samples.filter((s) => s.pid === pid && labels(s.label)).map((s) => s.rss);
    return xs.length ? mb(Math.max(...xs)) : NaN;
  }
}

export function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
