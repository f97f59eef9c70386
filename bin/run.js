#!/usr/bin/env node
// The atomic-plugin executable: nothing but the oclif entry point.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
