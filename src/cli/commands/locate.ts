import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { locate } from '../../apps/locate/app.ts';
import type { HeatmapReduce } from '../../apps/locate/heatmap.ts';
import { renderHeatmapPng } from '../../apps/locate/render.ts';
import { ConfigError } from '../../core/errors.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';
import { Progress } from '../progress.ts';

interface Flags {
  audio?: string;
  text?: string;
  model?: string;
  out?: string;
  json?: boolean;
  scales: string;
  stride: string;
  reduce: string;
  batchSize: number;
  exif?: boolean;
}

function parseFractions(name: string, s: string): number[] {
  const list = s.split(',').map((x) => Number(x.trim()));
  if (list.length === 0 || list.some((x) => !(x > 0 && x <= 1))) {
    throw new ConfigError('BAD_ARGUMENT', `${name} must be comma-separated fractions in (0, 1], got "${s}".`);
  }
  return list;
}

export function register(program: Command): void {
  program
    .command('locate')
    .description(
      'find where an audio clip and/or a phrase is in an image (training-free: multi-scale crops scored by cosine)',
    )
    .argument('<image>', 'image file')
    .option('--audio <file>', 'audio query (e.g. a bark)')
    .option('--text <phrase>', 'text query (e.g. "a dog")')
    .option('--model <dir>', 'model directory (default: $IMAGEBIND_MODEL, else the embedded mini model)')
    .option('--out <heatmap.png>', 'write the heatmap blended over the image, best box outlined')
    .option('--json', 'print {"image", "box": {x, y, w, h}, "score", "heatmap"}')
    .option('--scales <list>', 'window sides as fractions of the short side', '1,0.75,0.5,0.35')
    .option('--stride <f>', 'step between windows as a fraction of the window', '0.5')
    .option('--reduce <how>', 'heatmap: mean | max of the windows covering each pixel', 'mean')
    .option('--batch-size <n>', 'crops per encoder run', parsePositiveInt('--batch-size'), 16)
    .option('--exif', 'apply EXIF orientation (the official pipeline ignores it)')
    .addHelpText(
      'after',
      `
Each window goes through the official vision transform and the vision encoder; its score is the
cosine with the query (audio and text are each normalised, then summed). The box is the best
window in original pixels; the heatmap averages (or maxes) the windows covering each pixel.
The default scales on a 640x848 photo give 58 windows.

Examples:
  imagebind locate --text "a dog" --out dog-heat.png photo.jpg
  imagebind locate --audio bark.wav --text "a dog" --json photo.jpg`,
    )
    .action(async (image: string, flags: Flags) => {
      if (flags.audio === undefined && flags.text === undefined) {
        throw new ConfigError('LOCATE_NO_QUERY', 'no query: pass --audio <file> and/or --text "<phrase>".');
      }
      if (flags.reduce !== 'mean' && flags.reduce !== 'max')
        throw new ConfigError('BAD_ARGUMENT', `--reduce must be mean or max, got "${flags.reduce}".`);
      const scales = parseFractions('--scales', flags.scales);
      const [stride] = parseFractions('--stride', flags.stride);
      const model = await ImageBind.load(await resolveModelDir(flags.model));
      try {
        let bar: Progress | null = null;
        const r = await locate(
          model,
          image,
          { audio: flags.audio, text: flags.text },
          {
            scales,
            stride,
            reduce: flags.reduce as HeatmapReduce,
            batchSize: flags.batchSize,
            decode: { respectExifOrientation: Boolean(flags.exif) },
            onProgress: (done, total) => {
              bar ??= new Progress('locate', total, 'crops');
              bar.update(done);
            },
          },
        );
        (bar as Progress | null)?.done();
        if (flags.out) {
          try {
            await writeFile(flags.out, await renderHeatmapPng(r.image, r.heatmap, r.box));
          } catch (e) {
            throw new ConfigError(
              'OUTPUT_UNWRITABLE',
              `${flags.out}: cannot write the heatmap (${(e as Error).message}). Check the folder exists and is writable.`,
              { cause: e },
            );
          }
        }
        const box = { x: r.box.x, y: r.box.y, w: r.box.w, h: r.box.h };
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ image, width: r.width, height: r.height, box, score: r.score, heatmap: flags.out ?? null, crops: r.crops.length })}\n`,
          );
        } else {
          process.stdout.write(
            `${image}: box x=${box.x} y=${box.y} w=${box.w} h=${box.h}  score ${r.score.toFixed(4)}  (${r.crops.length} windows)\n`,
          );
          if (flags.out) process.stdout.write(`heatmap: ${flags.out}\n`);
        }
      } finally {
        await model.close();
      }
    });
}
