#!/usr/bin/env node
// The `evidence-node` command: compiled by the root `npm install` (prepare: tsc -b).
import '../dist/server.js';
