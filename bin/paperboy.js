#!/usr/bin/env node
// The `paperboy` command. It runs the compiled program; `npm install` builds it.
import { runCli } from '../dist/cli.js';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
