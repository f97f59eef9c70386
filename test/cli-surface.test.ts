// The CLI surface is a contract: commands, their flags and args are compared with the committed
// snapshot in cli/command-snapshot.json. After an intended change, regenerate it with
// `UPDATE_CLI_SNAPSHOT=1 npx vitest run test/cli-surface.test.ts` and commit the diff.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/host-process.js';

const snapshotPath = join(repoRoot, 'cli', 'command-snapshot.json');

interface CommandShape {
  id: string;
  flags: string[];
  args: string[];
  hasExamples: boolean;
  json: boolean;
}

async function currentSurface(): Promise<CommandShape[]> {
  const config = await Config.load(repoRoot);
  return config.commands
    .map((c) => ({
      id: c.id,
      flags: Object.keys(c.flags).sort(),
      args: Object.keys(c.args ?? {}),
      hasExamples: (c.examples ?? []).length > 0,
      json: Boolean(c.enableJsonFlag),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('CLI surface', () => {
  it('matches the committed snapshot', async () => {
    const surface = await currentSurface();
    if (process.env.UPDATE_CLI_SNAPSHOT) writeFileSync(snapshotPath, `${JSON.stringify(surface, null, 2)}\n`);
    expect(surface).toEqual(JSON.parse(readFileSync(snapshotPath, 'utf8')));
  });

  it('gives every command examples and a --json flag', async () => {
    for (const command of await currentSurface()) {
      expect(command.hasExamples, command.id).toBe(true);
      expect(command.json, command.id).toBe(true);
    }
  });
});
