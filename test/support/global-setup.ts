import { startRedisServer } from '../../harness/redis-server';

// npm test must need no server started by hand: unless REDIS_URL is given, start our own.
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const server = await startRedisServer();
  (globalThis as { __REDIS_SERVER__?: unknown }).__REDIS_SERVER__ = server;
  // Workers are forked after global setup, so they inherit this.
  process.env.REDIS_URL = server.url;
  process.env.TEST_REDIS_OWNED = '1';
}
