#!/usr/bin/env node
// The `evidence` command: compiled by the root `npm install` (prepare: tsc -b).
import '../dist/cli/main.js';
