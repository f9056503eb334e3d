import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './proc';

/** A `node --cpu-prof` profile, summarised: where the process spent its samples. */
export interface ProfileSummary {
  totalMs: number;
  /** Self time by package (node_modules/<name>), our own source folder, or Node's internals. */
  byArea: { area: string; ms: number; share: number }[];
  /**
   * Self time charged to the nearest caller in a package or in our own code (Node's internals and
   * builtins charged to whoever called them): which library the time is spent for.
   */
  byCaller: { area: string; ms: number; share: number }[];
  /** The functions with the most self time. */
  topFunctions: { fn: string; ms: number; share: number }[];
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

function areaOf(url: string, fn: string): string {
  if (fn === '(idle)') return '(idle)';
  if (fn === '(garbage collector)') return '(garbage collector)';
  if (fn === '(program)') return '(program)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /^(src|jobs|fakes|bench|harness)\/([^/]+)/.exec(
    url.replace(/^file:\/\//, '').replace(`${ROOT}/`, ''),
  );
  if (own) return `${own[1]}/${own[2]}`;
  return url ? 'other' : 'native/builtin';
}

/**
 * Summarises the main thread's profile in `dir`, counting only samples between `skipMs` and `untilMs` after it began (start-up left out): the largest .cpuprofile (tsx's module loader runs in
 * a worker thread of its own, which writes a small profile too).
 */
export function summarizeProfile(
  dir: string,
  top = 12,
  skipMs = 0,
  untilMs = Infinity,
): ProfileSummary | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, size: statSync(join(dir, f)).size }))
    .sort((a, b) => b.size - a.size);
  if (files.length === 0) return undefined;
  const p = JSON.parse(readFileSync(join(dir, files[0]!.f), 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // Samples from `skipMs` after the profile began (start-up and module loading left out).
  let at = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    at += dt;
    if (at >= skipMs && at <= untilMs) self.set(id, (self.get(id) ?? 0) + dt);
  });
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const generic = new Set(['node internals', 'native/builtin', 'other']);
  const callerArea = (id: number): string => {
    let cur: number | undefined = id;
    while (cur !== undefined) {
      const n = byId.get(cur);
      if (!n) break;
      const a = areaOf(n.callFrame.url, n.callFrame.functionName);
      if (!generic.has(a)) return a;
      cur = parent.get(cur);
    }
    return 'node internals';
  };
  const callers = new Map<string, number>();
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const area = areaOf(url, functionName);
    if (area === '(idle)') continue;
    total += ms;
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const caller = callerArea(id);
    callers.set(caller, (callers.get(caller) ?? 0) + ms);
    const short = url
      .replace(/^.*node_modules\//, '')
      .replace(/^file:\/\//, '')
      .replace(`${ROOT}/`, '');
    const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + ms);
  }
  const r = (v: number): number => Math.round(v * 10) / 10;
  const list = <K extends string>(m: Map<string, number>, k: K, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([name, ms]) =>
          ({ [k]: name, ms: r(ms), share: r((ms / total) * 100) }) as Record<K, string> & {
            ms: number;
            share: number;
          },
      );
  return {
    totalMs: r(total),
    byArea: list(areas, 'area', top),
    byCaller: list(callers, 'area', top),
    topFunctions: list(fns, 'fn', top),
  };
}
