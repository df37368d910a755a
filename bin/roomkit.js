#!/usr/bin/env node
// The `roomkit` command: runs the built server (npm run build makes dist/).
import '../dist/server/main.js';
