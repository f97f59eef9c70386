// The benchmark keeps working: a --quick run produces figures for every suite. No timing is
// asserted here; speed is judged by `npm run bench`, not by tests.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/host-process.js';

interface Phase {
  concurrency: number;
  ok: number;
  errors: number;
  perSecond: number;
}

describe('npm run bench -- --quick', () => {
  it('measures ingestion, GETs and the baselines and reports the targets', () => {
    const out = execFileSync(process.execPath, [join(repoRoot, 'dist', 'bench', 'run.js'), '--quick', '--json', '--levels', '4'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 240_000,
    });
    const report = JSON.parse(out) as {
      inProcessBound: Phase[];
      targets: { name: string; value: number; met: boolean }[];
      pluginTargets?: { name: string; value: number; met: boolean }[];
      host: Record<string, unknown>;
      sparql?: { triples: number; queries: { name: string; solutions: number; plugin: Phase; inProcess: Phase }[]; updates: Phase[]; commits: Phase[] };
      crud?: { crudCreate: Phase[]; directCommit: Phase[] };
      search?: { indexed: number; indexPerSecond: number; inProcessIndexPerSecond: number; queries: { name: string; matches: number; plugin: Phase; inProcess: Phase }[]; live: { commits: number; searchablePerSecond: number } };
      ratios: { name: string; concurrency: number; value: number }[];
    };
    const phases = (value: unknown): Phase[] => (Array.isArray(value) ? (value as Phase[]) : []);
    expect(report.inProcessBound.length).toBeGreaterThan(0);
    for (const phase of report.inProcessBound) {
      expect(phase.ok).toBeGreaterThan(0);
      expect(phase.errors).toBe(0);
    }
    const hostPhases = Object.values(report.host).flatMap(phases).filter((p) => typeof p.perSecond === 'number');
    expect(hostPhases.length).toBeGreaterThan(0);
    for (const phase of hostPhases) expect(phase.errors).toBe(0);
    expect(report.targets.map((t) => t.name)).toEqual(['HTTP commit ingestion (commits/s)', 'HTTP ingestion ÷ in-process bound']);
    for (const target of report.targets) expect(target.value).toBeGreaterThan(0);
    // The plugin suite measures a real installed plugin: every target has a figure.
    expect(report.pluginTargets?.length).toBeGreaterThan(0);
    for (const target of report.pluginTargets ?? []) expect(Number.isFinite(target.value)).toBe(true);
    // The SPARQL suite: the plugin's mirror holds the generated graph, and every phase ran without errors.
    expect(report.sparql?.triples).toBeGreaterThan(10_000);
    expect(report.sparql?.queries.map((q) => q.name)).toEqual(['subject lookup', '2-hop join', 'filter + aggregate']);
    for (const q of report.sparql?.queries ?? []) {
      expect(q.solutions, q.name).toBeGreaterThan(0);
      for (const phase of [q.plugin, q.inProcess]) expect([phase.ok > 0, phase.errors], q.name).toEqual([true, 0]);
    }
    for (const phase of [...(report.sparql?.updates ?? []), ...(report.sparql?.commits ?? [])]) expect([phase.ok > 0, phase.errors]).toEqual([true, 0]);
    // The crud suite creates resources both ways without a failure, and prints their ratio.
    for (const phase of [...(report.crud?.crudCreate ?? []), ...(report.crud?.directCommit ?? [])]) {
      expect(phase.ok).toBeGreaterThan(0);
      expect(phase.errors).toBe(0);
    }
    expect(report.crud?.crudCreate.length).toBeGreaterThan(0);
    expect(report.ratios.some((r) => r.name.startsWith('plugin crud:') && r.value > 0)).toBe(true);
    // The search suite: the plugin indexed the generated resources, every query kind found matches
    // both ways without errors, and the live commits all became searchable.
    expect(report.search?.indexed).toBeGreaterThanOrEqual(5_000);
    expect([report.search!.indexPerSecond > 0, report.search!.inProcessIndexPerSecond > 0]).toEqual([true, true]);
    expect(report.search?.queries.length).toBe(6);
    for (const q of report.search?.queries ?? []) {
      expect(q.matches, q.name).toBeGreaterThan(0);
      for (const phase of [q.plugin, q.inProcess]) expect([phase.ok > 0, phase.errors], q.name).toEqual([true, 0]);
    }
    expect(report.search?.live.searchablePerSecond).toBeGreaterThan(0);
    expect(report.pluginTargets?.some((t) => t.name === 'search: resources indexed per second')).toBe(true);
  }, 300_000);
});
