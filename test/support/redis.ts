import { Redis } from 'ioredis';

/** A connection to the suite's own redis-server, and this test file's key prefix. */
export function testRedis(): { redis: Redis; prefix: string } {
  const url = process.env.REDIS_URL;
  if (!url)
    throw new Error(
      'REDIS_URL is not set: run tests through npm test (jest globalSetup starts redis-server)',
    );
  return {
    redis: new Redis(url, { maxRetriesPerRequest: 3 }),
    prefix: `${process.env.TEST_KEY_PREFIX ?? 't'}x${Math.random().toString(36).slice(2, 8)}`,
  };
}
