/**
 * A real redis-server (Debian's) for one test file: a free loopback port, AOF persistence in a temp
 * folder, killed at the end. restart() stops it (SIGKILL: like a crash; AOF keeps what was synced)
 * and starts it again on the same port and folder.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface TestRedis {
  readonly port: number;
  url(name: string): string;
  /** A plain client (closed by stop()). */
  client(): Redis;
  restart(signal?: NodeJS.Signals, downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function haveRedis(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
    const r = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    r.on('error', () => undefined);
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      r.disconnect();
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`redis-server on ${port} did not answer within 15 s`);
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'imagebind-redis-'));
  const port = await freePort();
  const clients: Redis[] = [];
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', dir, '--save', ''],
      { stdio: 'ignore' },
    );
    await waitReady(port, proc);
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((res) => proc.once('exit', res));
    proc.kill(signal);
    await gone;
  };
  await launch();
  return {
    port,
    url: (name) => `redis://127.0.0.1:${port}/${name}`,
    client() {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async restart(signal = 'SIGKILL', downMs = 500) {
      await kill(signal);
      await new Promise((res) => setTimeout(res, downMs));
      await launch();
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
