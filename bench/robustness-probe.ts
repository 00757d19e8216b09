/**
 * Measuring one hostile input against a server or CLI process for bench/robustness-server.ts:
 * the process's resident memory sampled from /proc (peak above its level before the case), a
 * /healthz prober (slowest answer, failures) and a deadline after which the process is killed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) the process has used. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

export interface Watch {
  /** Peak RSS above the level at start, bytes. */
  readonly extraRss: number;
  readonly probes: number;
  readonly probeFailures: number;
  readonly slowestProbeMs: number;
}

/** Samples `pid`'s RSS and probes `url`/healthz while `work` runs. */
export async function watch<T>(
  pid: number,
  url: string | null,
  work: () => Promise<T>,
): Promise<{ value: T; w: Watch }> {
  const base = rssBytes(pid);
  let peak = base;
  let probes = 0;
  let failures = 0;
  let slowest = 0;
  let done = false;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 25);
  const prober = (async () => {
    while (url && !done) {
      const t = performance.now();
      try {
        const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
        if (r.status !== 200) failures++;
      } catch {
        failures++;
      }
      slowest = Math.max(slowest, performance.now() - t);
      probes++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const value = await work();
    return { value, w: { extraRss: peak - base, probes, probeFailures: failures, slowestProbeMs: slowest } };
  } finally {
    done = true;
    clearInterval(sampler);
    await prober;
  }
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly ms: number;
  readonly peakRss: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the run was killed at the deadline or the memory cap. */
  readonly killed?: string;
}

/** Runs `node <bin> args`, sampling its RSS; kills it at `timeoutMs` or above `rssCap` bytes. */
export function runCliMeasured(
  bin: string,
  args: readonly string[],
  opts: { cwd: string; timeoutMs: number; rssCap: number },
): Promise<CliRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    let killed: string | undefined;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(child.pid!));
      if (peak > opts.rssCap && !killed) {
        killed = `killed at ${(peak / 2 ** 20).toFixed(0)} MB RSS after ${((performance.now() - t0) / 1000).toFixed(1)} s`;
        child.kill('SIGKILL');
      }
    }, 25);
    const timer = setTimeout(() => {
      killed = `killed at the ${opts.timeoutMs / 1000} s deadline (${(peak / 2 ** 20).toFixed(0)} MB RSS)`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(timer);
      resolve({ code, signal, ms: performance.now() - t0, peakRss: peak, stdout, stderr, killed });
    });
  });
}
