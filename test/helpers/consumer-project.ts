/**
 * A project that installs imagebind-ts the way a user does: from the tarball `npm pack` makes,
 * with the exact dependency versions of this repository's lockfile, offline from npm's cache (which
 * the repository's own `npm ci` filled). The consumer's lockfile is this one's, cut to the package's
 * production dependencies plus the tools a consumer builds with (TypeScript, @types/node, esbuild).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from './shared.ts';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
}
interface Lockfile {
  packages: Record<string, LockEntry>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm's own variables from an enclosing `npm test` would point a nested npm at this repository. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle|config_local_prefix|config_prefix)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip', ...extra };
}

export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs} ms\n${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface PackedFile {
  path: string;
  size: number;
}
export interface Packed {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

/** `npm pack` of this repository (its prepack builds dist/ first) into `dest`. */
export async function packRepo(dest: string): Promise<Packed> {
  const r = await run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: repoDir, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`npm pack failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  // prepack's own output precedes the JSON on stdout.
  const json = r.stdout.slice(r.stdout.search(/^\[/m));
  const [info] = JSON.parse(json) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
  return {
    tarball: join(dest, info!.filename),
    size: info!.size,
    unpackedSize: info!.unpackedSize,
    files: info!.files,
  };
}

/** Lockfile keys of `names` and everything they need, resolved the way npm lays out node_modules. */
function closure(lock: Lockfile, names: readonly string[]): Set<string> {
  const keep = new Set<string>();
  const visit = (from: string, name: string, optional: boolean) => {
    // npm looks in the requiring package's own node_modules first, then in each parent's.
    let base = from;
    for (;;) {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock.packages[key]) {
        if (keep.has(key)) return;
        keep.add(key);
        const e = lock.packages[key]!;
        for (const d of Object.keys(e.dependencies ?? {})) visit(key, d, false);
        for (const d of Object.keys(e.optionalDependencies ?? {})) visit(key, d, true);
        return;
      }
      if (!base) break;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
    // Optional dependencies for other platforms are absent from the lockfile's tree: that is fine.
    if (!optional) throw new Error(`${name} (needed by ${from || 'the root'}) is not in package-lock.json`);
  };
  for (const n of names) visit('', n, false);
  return keep;
}

/**
 * Writes `dir/package.json` and `dir/package-lock.json` for a consumer of `tarball` with the given
 * build tools as dev dependencies, pinned to the versions in this repository's lockfile.
 */
export function writeConsumerProject(dir: string, tarball: string, devTools: readonly string[]): void {
  const lock = JSON.parse(readFileSync(join(repoDir, 'package-lock.json'), 'utf8')) as Lockfile;
  const own = lock.packages['']! as LockEntry & {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const spec = `file:${tarball}`;
  const prodNames = Object.keys(own.dependencies);
  const prod = closure(lock, prodNames);
  const dev = closure(lock, devTools);
  const devSpecs = Object.fromEntries(devTools.map((n) => [n, lock.packages[`node_modules/${n}`]!.version!]));
  const packages: Record<string, LockEntry> = {
    '': { name: 'consumer', dependencies: { 'imagebind-ts': spec }, devDependencies: devSpecs },
    'node_modules/imagebind-ts': {
      version: own.version as string,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      license: 'MIT',
      dependencies: own.dependencies,
      bin: own.bin,
      engines: own.engines,
    },
  };
  for (const key of [...prod, ...dev].sort()) {
    const { dev: _d, ...entry } = lock.packages[key]!;
    packages[key] = prod.has(key) ? entry : { ...entry, dev: true };
  }
  mkdirSync(dir, { recursive: true });
  const pkg = {
    name: 'consumer',
    private: true,
    type: 'module',
    dependencies: { 'imagebind-ts': spec },
    devDependencies: devSpecs,
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}

/**
 * `npm ci --offline` in the consumer. Install scripts are skipped: the only one that builds
 * anything is better-sqlite3's, which compiles SQLite (minutes, and nothing of this package's);
 * its addon is copied from this repository's own install of the same version instead.
 */
export async function installOffline(dir: string): Promise<void> {
  const r = await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    timeoutMs: 300_000,
  });
  if (r.code !== 0) throw new Error(`npm ci --offline failed (${r.code}):\n${r.stderr}`);
  const ours = JSON.parse(readFileSync(join(repoDir, 'node_modules/better-sqlite3/package.json'), 'utf8'));
  const theirs = JSON.parse(readFileSync(join(dir, 'node_modules/better-sqlite3/package.json'), 'utf8'));
  if (ours.version !== theirs.version)
    throw new Error(`better-sqlite3 ${theirs.version} in the consumer, ${ours.version} here: cannot reuse the addon`);
  const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  mkdirSync(join(dir, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
  copyFileSync(join(repoDir, addon), join(dir, addon));
}
