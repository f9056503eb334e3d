import type { RedisServer } from '../../harness/redis-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __REDIS_SERVER__?: RedisServer }).__REDIS_SERVER__;
  if (server) await server.stop();
}
