// Summarizes a V8 .cpuprofile (from node --cpu-prof) into its hottest functions, counting only samples inside the given time windows.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A span of the monotonic clock in microseconds (process.hrtime, which V8 profiles also use on Linux). */
export interface TimeWindow {
  label: string;
  startUs: number;
  endUs: number;
}

/** One function's share of the sampled time. */
export interface HotSpot {
  fn: string;
  /** Time spent in the function itself. */
  selfPercent: number;
  /** Time spent in it or anything it called. */
  totalPercent: number;
}

/** The hottest functions of a profile. */
export interface ProfileSummary {
  file: string;
  windows: string[];
  sampledMs: number;
  /** Share of the time the event loop waited for I/O (the "(idle)" node). */
  idlePercent: number;
  bySelf: HotSpot[];
  byTotal: HotSpot[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The newest .cpuprofile in `dir` written by process `pid` (node names them CPU.<date>.<time>.<pid>.<n>.<n>.cpuprofile). */
export function findProfile(dir: string, pid: number | undefined): string | undefined {
  const candidates = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && (pid === undefined || f.split('.')[3] === String(pid)))
    .map((f) => join(dir, f));
  return candidates.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

function frameName(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const url = frame.url.replace(/^file:\/\//, '');
  const short = url.includes('/node_modules/') ? url.slice(url.lastIndexOf('/node_modules/') + 14) : url.includes('/dist/') ? url.slice(url.lastIndexOf('/dist/') + 6) : url;
  return `${name} ${short}:${frame.lineNumber + 1}`;
}

/** Reads a profile and ranks functions by self and inclusive time inside `windows` (all samples when empty). */
export function summarizeProfile(file: string, windows: TimeWindow[], top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);

  // Time per leaf node within the windows.
  const perNode = new Map<number, number>();
  let at = profile.startTime;
  let sampled = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows.length > 0 && !windows.some((w) => at >= w.startUs && at <= w.endUs)) continue;
    const id = profile.samples[i] ?? 0;
    perNode.set(id, (perNode.get(id) ?? 0) + delta);
    sampled += delta;
  }

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, time] of perNode) {
    const node = nodes.get(id);
    if (!node) continue;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + time);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parents.get(cur)) {
      const frame = nodes.get(cur)?.callFrame;
      if (!frame) break;
      const n = frameName(frame);
      if (n === '(root)' || seen.has(n)) continue;
      seen.add(n);
      total.set(n, (total.get(n) ?? 0) + time);
    }
  }
  const pct = (t: number): number => (sampled > 0 ? (100 * t) / sampled : 0);
  const rank = (m: Map<string, number>): string[] =>
    [...m]
      .filter(([n]) => n !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([n]) => n);
  const spot = (fn: string): HotSpot => ({ fn, selfPercent: pct(self.get(fn) ?? 0), totalPercent: pct(total.get(fn) ?? 0) });
  return {
    file,
    windows: windows.map((w) => w.label),
    sampledMs: sampled / 1000,
    idlePercent: pct(self.get('(idle)') ?? 0),
    bySelf: rank(self).map(spot),
    byTotal: rank(total).map(spot),
  };
}

/** The summary as text. */
export function formatProfile(title: string, s: ProfileSummary): string {
  const lines = [`${title}: ${Math.round(s.sampledMs).toLocaleString('en-US')} ms sampled on the host's event loop, ${s.idlePercent.toFixed(1)}% idle (waiting on I/O or the store)`];
  lines.push(`  ${'self %'.padStart(7)} ${'total %'.padStart(8)}  function (by self time)`);
  for (const h of s.bySelf) lines.push(`  ${h.selfPercent.toFixed(1).padStart(7)} ${h.totalPercent.toFixed(1).padStart(8)}  ${h.fn}`);
  lines.push(`  ${'self %'.padStart(7)} ${'total %'.padStart(8)}  function (by inclusive time)`);
  for (const h of s.byTotal) lines.push(`  ${h.selfPercent.toFixed(1).padStart(7)} ${h.totalPercent.toFixed(1).padStart(8)}  ${h.fn}`);
  return lines.join('\n');
}
