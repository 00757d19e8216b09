/** Machine facts recorded with every benchmark result. */
import { cpus, totalmem, availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gib: number;
  node: string;
  onnxruntime: string;
  flags: string[];
  date: string;
}

export function machineInfo(): MachineInfo {
  let flags: string[] = [];
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    flags = (line?.split(':')[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((f) => /^(avx2|avx512f|avx512_vnni|avx512_bf16|amx_tile|fma)$/.test(f));
  } catch {
    /* not Linux */
  }
  const ortVersion = (
    JSON.parse(readFileSync(new URL('../node_modules/onnxruntime-node/package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    onnxruntime: ortVersion,
    flags,
    date: new Date().toISOString(),
  };
}
