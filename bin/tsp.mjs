#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (a project dependency), so `npx tsp` works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/tsp.ts');
