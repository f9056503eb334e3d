import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real redis-server on a free loopback port, with its own data directory and AOF on. */
export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** SIGKILL then start again on the same port and directory: what AOF must survive. */
  restart(): Promise<void>;
  /**
   * SAVE, and keep the RDB file aside: the state a later `rollback()` goes back to (a replica that
   * lagged, a backup restored, a power loss with fsync off). Returns the snapshot's path.
   */
  snapshot(): Promise<string>;
  /**
   * SIGKILL, then start again on the same port from the last `snapshot()` (every write since is
   * gone), and switch AOF back on so later restarts keep what follows. `onDown` runs once the old
   * process is gone and before the new one starts.
   */
  rollback(onDown?: () => void): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/**
 * One command over RESP on a fresh connection, answered with the reply's first line (`+OK`,
 * `$123`, `-ERR …`) and, for a bulk reply, its body. Enough for SAVE, INFO and CONFIG SET here,
 * without a client library in the harness's process.
 */
export function redisCommand(port: number, args: string[], timeoutMs = 10_000): Promise<string> {
  const wire = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${args[0] ?? ''} took more than ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err: Error | undefined, value?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    socket.once('connect', () => socket.write(wire));
    socket.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const head = buf.slice(0, eol);
      if (head.startsWith('-')) return done(new Error(`redis ${args[0] ?? ''}: ${head.slice(1)}`));
      if (!head.startsWith('$')) return done(undefined, head);
      const len = Number(head.slice(1));
      if (len < 0) return done(undefined, '');
      const body = Buffer.from(buf.slice(eol + 2), 'utf8');
      if (body.length >= len) done(undefined, body.subarray(0, len).toString('utf8'));
    });
    socket.once('error', (err) => done(err));
  });
}

function launch(port: number, dir: string, appendonly = true): ChildProcess {
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      appendonly ? 'yes' : 'no',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      '--logfile',
      join(dir, 'redis.log'),
    ],
    { stdio: 'ignore', detached: false },
  );
  return child;
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pcbot-redis-'));
  const port = await freePort();
  let child = launch(port, dir);
  await waitForPort(port, 10_000);
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get process() {
      return child;
    },
    async restart() {
      await killAndWait(child, 'SIGKILL');
      child = launch(port, dir);
      await waitForPort(port, 10_000);
    },
    async snapshot() {
      await redisCommand(port, ['SAVE']);
      const file = join(dir, 'snapshot.rdb');
      copyFileSync(join(dir, 'dump.rdb'), file);
      return file;
    },
    async rollback(onDown) {
      await killAndWait(child, 'SIGKILL');
      onDown?.();
      // With appendonly on, Redis would load the AOF (every write up to the kill) and ignore the
      // RDB: start once with it off so the snapshot is what loads, then turn it on again at run
      // time, which rewrites a fresh AOF from the loaded data.
      rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
      copyFileSync(join(dir, 'snapshot.rdb'), join(dir, 'dump.rdb'));
      child = launch(port, dir, false);
      await waitForPort(port, 10_000);
      await untilLoaded(port);
      await redisCommand(port, ['CONFIG', 'SET', 'appendonly', 'yes']);
      // Until that rewrite is done there is no AOF to restart from: a `restart()` now would come
      // back empty, which is not the fault it stands for.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const info = await redisCommand(port, ['INFO', 'persistence']);
        if (
          /aof_enabled:1/.test(info) &&
          /aof_rewrite_in_progress:0/.test(info) &&
          /aof_rewrite_scheduled:0/.test(info)
        )
          break;
        if (Date.now() > deadline)
          throw new Error('redis-server did not finish its AOF rewrite after a rollback');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      await killAndWait(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A Redis that listens answers -LOADING until its data is in; wait for that. */
async function untilLoaded(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await redisCommand(port, ['PING'])) === '+PONG') return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
