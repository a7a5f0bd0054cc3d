#!/usr/bin/env node
// Entry point of the `kubenova` command (package.json "bin"; `npm run kubenova -- ...`).
import { processIo } from './context.js';
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2), processIo());
