import type { Command } from 'commander';
import { SEGMENT_QUERIES, evaluateSegments } from '../../apps/segments/evaluate.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { checkSegmentSeconds } from '../../preprocess/stream/windows.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';

interface Flags {
  model?: string;
  seed: number;
  n: number;
  seconds: number;
  duration: number;
  json?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function register(program: Command): void {
  program
    .command('eval-segments')
    .description('search-by-segment benchmark on fresh long synthetic recordings with a known timeline')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .option('--seed <n>', 'world seed for the recordings and queries', parsePositiveInt('--seed'), 12345)
    .option('--n <n>', 'recordings (even: WAV, odd: MP4 video with sound)', parsePositiveInt('--n'), 6)
    .option('--seconds <s>', 'segment (window) length', (v: string) => checkSegmentSeconds(Number(v)), 10)
    .option('--duration <s>', 'length of each recording in seconds', parsePositiveInt('--duration'), 180)
    .option('--json', 'print {"<query modality>": {"hit_rate", "chance", ...}, ...}')
    .addHelpText(
      'after',
      `
Each recording is a quiet room in which 4 things of distinct classes appear one after another for
8–16 s (sound, and pictures in the videos). The recordings are indexed with --segments, then each
event's class is asked for by a phrase ("a dog"), a held-out sound clip and a held-out image.
hit_rate: the best segment over all recordings overlaps an event of that class. chance: the share
of segments that do. Also per kind of window (audio_windows: sound only, video_windows: pictures only).`,
    )
    .action(async (flags: Flags) => {
      const model = await ImageBind.load(await resolveModelDir(flags.model));
      try {
        const r = await evaluateSegments(model, {
          seed: flags.seed,
          n: flags.n,
          seconds: flags.seconds,
          duration: flags.duration,
          onProgress: (what) => {
            if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${what} ...`);
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(r.rows)}\n`);
          return;
        }
        process.stdout.write(
          `${r.recordings} recordings of ${r.duration} s, ${r.seconds} s windows (${r.windows.audio} sound, ${r.windows.video} picture), world seed ${r.seed}; indexed in ${(r.index_ms / 1000).toFixed(1)} s\n`,
        );
        for (const q of SEGMENT_QUERIES) {
          const row = r.rows[q];
          process.stdout.write(
            `${q.padEnd(6)} hit rate ${pct(row.hit_rate)}  chance ${pct(row.chance)}  (${(row.hit_rate / Math.max(row.chance, 1e-9)).toFixed(1)}x; sound windows ${pct(row.audio_windows.hit_rate)}, picture windows ${pct(row.video_windows.hit_rate)})\n`,
          );
        }
      } finally {
        await model.close();
      }
    });
}
