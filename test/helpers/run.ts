import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Only what a program needs from the test's own environment, so no stray setting leaks in. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `paperboy <args>` as a user would, through the package's bin; `input`, when given, is piped to its stdin. */
export function paperboy(args: string[], env: Record<string, string>, input?: Buffer | string): Promise<RunResult> {
  return runToEnd(['bin/paperboy.js', ...args], env, { input });
}

export interface RunOptions {
  /** The folder to run in (default: the repository). */
  cwd?: string;
  /** Run as another user, when the test runs as root. */
  uid?: number;
  gid?: number;
  /** Piped to the program's stdin. */
  input?: Buffer | string;
}

/** Runs a script of the built program with `node`, to the end. */
export function runToEnd(args: string[], env: Record<string, string>, { cwd = ROOT, input, ...user }: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: cleanEnv(env), ...user });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** The built server (`dist/server.js`) as a child process on a free port, with what it prints kept. */
export function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: ROOT,
    env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Resolves with the first stdout line matching `pattern`, or rejects when the process ends first. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${buffer}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(line);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code} before printing ${pattern}:\n${buffer}`));
    });
  });
}
