// Runs the real `appbase` binary (APPBASE_BIN, default .build/debug/appbase) on loopback
// ephemeral ports with a temporary config and data directory, for the SDK tests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BINARY = process.env.APPBASE_BIN || join(ROOT, '.build', 'debug', 'appbase');
export const available = existsSync(BINARY);

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls `check` every `everyMs` until it returns a truthy value; fails after `timeoutMs`. */
export async function eventually(check, message, { timeoutMs = 60_000, everyMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class Server {
  constructor({ app = 'notes', appExtra = '' } = {}) {
    this.app = app;
    this.appExtra = appExtra;
    this.dir = mkdtempSync(join(tmpdir(), 'appbase-js-'));
    this.config = join(this.dir, 'appbase.toml');
    this.data = join(this.dir, 'data');
  }

  async start() {
    this.masterPort = await freePort();
    this.port = await freePort();
    writeFileSync(this.config, [
      '[server]', 'host = "127.0.0.1"', `port = ${this.masterPort}`, 'access_log = false',
      `[apps.${this.app}]`, `port = ${this.port}`, this.appExtra, '',
    ].join('\n'));
    this.logFile = join(this.dir, 'server.log');
    const { openSync } = await import('node:fs');
    const log = openSync(this.logFile, 'a');
    this.process = spawn(BINARY, ['serve', '--config', this.config, '--data-dir', this.data], { stdio: ['ignore', log, log] });
    this.exited = new Promise((r) => this.process.on('exit', r));
    for (const port of [this.masterPort, this.port]) {
      await eventually(async () => {
        if (this.process.exitCode !== null) throw new Error(`server exited: ${this.log()}`);
        try { return (await fetch(`http://127.0.0.1:${port}/health`)).ok; } catch { return false; }
      }, `server on ${port} (${this.log()})`, { timeoutMs: 120_000 });
    }
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  log() { try { return readFileSync(this.logFile, 'utf8').slice(-3000); } catch { return ''; } }

  cli(...args) {
    return execFileSync(BINARY, [...args, '--config', this.config, '--data-dir', this.data], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  createKey({ admin = false, name = 'test' } = {}) {
    return this.cli('keys', 'create', '--app', this.app, '--name', name, ...(admin ? ['--admin'] : []));
  }

  async stop() {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
