import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Service {
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  image?: string;
  build?: unknown;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };
  const argv = (s: Service): string[] =>
    Array.isArray(s.command) ? s.command : String(s.command ?? '').split(/\s+/);
  const flag = (args: string[], name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };

  it('runs Redis with AOF synced on every write, no eviction, and a persistent volume', () => {
    const redis = compose.services.redis!;
    const args = argv(redis);
    expect(flag(args, '--appendonly')).toBe('yes');
    expect(flag(args, '--appendfsync')).toBe('always');
    expect(flag(args, '--maxmemory-policy')).toBe('noeviction');
    const volume = (redis.volumes ?? []).find((v) => v.endsWith(':/data'));
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(volume!.split(':')[0]);
  });

  it('has the web bot, the worker and the Partner Center simulator as services', () => {
    expect(compose.services.web?.environment?.ROLE).toBe('web');
    expect(compose.services.worker?.environment?.ROLE).toBe('worker');
    expect(argv(compose.services.simulator!).join(' ')).toContain('simulator');
  });

  it('builds from a Dockerfile on a current Node LTS image', () => {
    const dockerfile = readFileSync(join(__dirname, '../../Dockerfile'), 'utf8');
    const from = /^FROM node:(\d+)/m.exec(dockerfile);
    expect(Number(from?.[1])).toBeGreaterThanOrEqual(20);
    expect(Number(from?.[1]) % 2).toBe(0);
  });

  it('ships the simulator in the image, so the simulator profile can start it', () => {
    const dockerfile = readFileSync(join(__dirname, '../../Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^COPY fakes\/partner-center /m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('checks health with tools the slim Node image has (no wget or curl there)', () => {
    for (const name of ['web', 'worker', 'simulator']) {
      const check = (compose.services[name] as { healthcheck?: { test?: string[] } }).healthcheck?.test ?? [];
      expect(check.join(' ')).not.toMatch(/\b(wget|curl)\b/);
    }
  });
});
