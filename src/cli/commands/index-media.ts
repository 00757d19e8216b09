import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { indexPaths } from '../../apps/indexer.ts';
import { type KindOverrides, detectKind, parseKindOverrides } from '../../apps/media-kind.ts';
import { TIMED_KINDS, checkTimedKind } from '../../apps/segments/embed.ts';
import { checkSegmentSeconds } from '../../preprocess/stream/windows.ts';
import { openModelStore } from '../../apps/model-store.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';
import { count } from '../plural.ts';
import { Progress } from '../progress.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import { vectorPrecisionOption } from '../store-options.ts';
import type { VectorPrecision } from '../../store/index.ts';
import type { Device } from '../../runtime/device.ts';
import { QUEUE_HELP, type QueueFlags, addQueueOptions, checkQueueFlags, runQueuedIndex } from '../queue-options.ts';

/** `--segments` given only files, none of them audio or video: say so before loading anything. */
function refuseUntimedFiles(paths: readonly string[], overrides: KindOverrides): void {
  const kinds = paths.map((p) => (existsSync(p) && statSync(p).isFile() ? detectKind(p, overrides) : 'folder'));
  if (kinds.some((k) => k === 'folder' || k === null || (TIMED_KINDS as readonly string[]).includes(k))) return;
  checkTimedKind(kinds[0]!, paths[0]);
}

export function register(program: Command): void {
  const cmd = program
    .command('index')
    .description('embed every media file under the given folders into a vector index (incremental and resumable)')
    .argument('<paths...>', 'folders (searched recursively) or files')
    .option('--db <file>', 'SQLite index file', 'imagebind.db')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .addOption(vectorPrecisionOption())
    .option('--kind-map <spec>', 'override detection, e.g. ".png=thermal,.npy=depth"')
    .option('--batch-size <n>', 'files per committed batch', parsePositiveInt('--batch-size'), 16)
    .option(
      '--segments <seconds>',
      'also cut audio and video into windows of this many seconds, one vector each, so search finds the time (off by default)',
      (v: string) => checkSegmentSeconds(Number(v)),
    )
    .option('--json', 'print the report as JSON');
  addQueueOptions(cmd)
    .addHelpText(
      'after',
      `
Kinds are detected from a folder's manifest.jsonl, then --kind-map, then names: *.depth.png,
*.thermal.png, *.imu.csv, then extensions (images → vision, wav/mp3/flac/ogg/m4a → audio,
mp4/mkv/webm/mov → video, csv → imu). Unchanged files (size+mtime, else content hash) are skipped,
so re-running after an interruption resumes. Files that fail are listed at the end; the rest are indexed.
Items are stored under real paths (symlinks resolved; a file reached twice is indexed once; link
loops and dangling links are skipped with the reason). Items of files under the given folders that
no longer exist are pruned ("N pruned" in the report, "pruned" in --json).
Exit status: 0 when every file was indexed or unchanged; 2 when any failed (as for every error).

With --segments, audio and video are decoded as a stream (memory stays flat with length) and each
window gets its own vector with its start and end; \`search --segments\` then returns the file and
the time range. A file's own vector becomes the mean of its windows. Re-running with another length
re-cuts the files. Other kinds are indexed as usual.
${QUEUE_HELP}`,
    )
    .action(
      async (
        paths: string[],
        flags: {
          db: string;
          model?: string;
          device?: Device;
          vectorPrecision?: VectorPrecision;
          kindMap?: string;
          batchSize: number;
          segments?: number;
          json?: boolean;
        } & QueueFlags,
      ) => {
        const overrides = parseKindOverrides(flags.kindMap);
        if (flags.queue !== undefined) checkQueueFlags(flags);
        if (flags.segments !== undefined) refuseUntimedFiles(paths, overrides);
        const model = await ImageBind.load(await resolveModelDir(flags.model), deviceLoadOptions(flags));
        const store = openModelStore(model, flags.db, { create: true, vectorPrecision: flags.vectorPrecision });
        let bar: Progress | null = null;
        const started = Date.now();
        try {
          const report = flags.queue
            ? await runQueuedIndex(model, store, paths, { ...flags, overrides })
            : await indexPaths(model, store, paths, {
                overrides,
                batchSize: flags.batchSize,
                segments: flags.segments,
                onProgress: ({ done, total }) => {
                  bar ??= new Progress('index', total, 'files', undefined, started);
                  bar.update(done);
                },
              });
          (bar as Progress | null)?.done();
          if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
          else {
            process.stdout.write(
              `${flags.db}: ${count(report.found, 'file')} found, ${report.added} embedded, ${report.skipped} unchanged, ` +
                `${report.pruned} pruned, ${report.failed.length} failed` +
                `${report.unreachable.length ? `, ${report.unreachable.length} unreachable` : ''}; ` +
                `${count(store.count(), 'item')}${store.segments.count() > 0 ? ` and ${count(store.segments.count(), 'segment')}` : ''} in the index\n`,
            );
            for (const f of report.failed) process.stdout.write(`  failed: ${f.message}\n`);
            for (const u of report.unreachable) process.stdout.write(`  skipped: ${u.path}: ${u.reason}\n`);
          }
          // Partial failure is still failure for scripts; the report above says what did work.
          if (report.failed.length > 0) process.exitCode = 2;
        } finally {
          store.close();
          await model.close();
        }
      },
    );
}
