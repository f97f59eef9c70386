// The rules that keep plugins' requirements met.

import { describe, expect, it } from 'vitest';
import type { PluginManifest } from './manifest.js';
import { requirementProblem, type RequirementHolder } from './requirements.js';

type Manifest = RequirementHolder['manifest'];
const plugin = (id: string, version: string, more: Partial<Pick<PluginManifest, 'requires' | 'provides'>> = {}): Manifest => {
  const [namespace, name] = id.split('/') as [string, string];
  return { namespace, name, version, requires: more.requires ?? [], provides: more.provides ?? [] };
};
const active = (entries: Record<string, Manifest>): RequirementHolder[] => Object.entries(entries).map(([subject, manifest]) => ({ subject, manifest }));

const crud = plugin('atomic/crud', '0.1.2');
const todo = plugin('atomic/todo', '0.1.0', { requires: ['atomic/crud@^0.1.0'] });

describe('requirementProblem', () => {
  it('refuses installing before what the plugin requires, and names it', () => {
    expect(requirementProblem('s:todo', todo, [])).toBe('atomic/todo requires atomic/crud@^0.1.0, which is not installed and active: install atomic/crud first');
    expect(requirementProblem('s:todo', todo, active({ 's:crud': plugin('atomic/crud', '0.2.0') }))).toBe(
      'atomic/todo requires atomic/crud@^0.1.0, but atomic/crud 0.2.0 is installed: update atomic/crud first',
    );
    expect(requirementProblem('s:todo', todo, active({ 's:crud': crud }))).toBeNull();
  });

  it('counts what another plugin provides, as call_plugin resolves it', () => {
    const provider = plugin('acme/store', '3.0.0', { provides: [{ name: 'atomic/crud', version: '0.1.5', functions: ['list'] }] });
    expect(requirementProblem('s:todo', todo, active({ 's:acme': provider }))).toBeNull();
  });

  it('refuses removing, or updating out of range, what an active plugin needs', () => {
    const running = active({ 's:crud': crud, 's:todo': todo });
    expect(requirementProblem('s:crud', null, running)).toBe('atomic/todo requires atomic/crud@^0.1.0: uninstall or disable atomic/todo first');
    expect(requirementProblem('s:crud', plugin('atomic/crud', '1.0.0'), running)).toBe(
      'atomic/todo requires atomic/crud@^0.1.0, which atomic/crud 1.0.0 does not meet: update or uninstall atomic/todo first',
    );
    expect(requirementProblem('s:crud', plugin('atomic/crud', '0.1.9'), running)).toBeNull();
    expect(requirementProblem('s:todo', null, running)).toBeNull();
    // A second installation that still meets it makes the removal harmless.
    expect(requirementProblem('s:crud', null, [...running, ...active({ 's:crud2': plugin('atomic/crud', '0.1.0') })])).toBeNull();
  });

  it('does not let a requirement already unmet (after a boot) block unrelated changes', () => {
    const broken = active({ 's:todo': todo, 's:other': plugin('acme/other', '1.0.0') });
    expect(requirementProblem('s:other', null, broken)).toBeNull();
    expect(requirementProblem('s:new', plugin('acme/new', '1.0.0'), broken)).toBeNull();
  });
});
