#!/usr/bin/env node
// The `cityhub` command: runs infra/cli/main.ts through tsx, the TypeScript loader the hub itself uses.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
