#!/usr/bin/env node
// The `paperboy` command. It runs the compiled program; `npm install` builds it.
import { runCli } from '../dist/cli.js';

// Output piped into a reader that stopped (`paperboy runs | head -1`): stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
