import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LOCATE_METHODS, type LocateImageResult, type LocateMethod, locate } from '../../apps/locate/app.ts';
import type { HeatmapReduce } from '../../apps/locate/heatmap.ts';
import { renderHeatmapPng } from '../../apps/locate/render.ts';
import { ConfigError } from '../../core/errors.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';
import { Progress } from '../progress.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';

interface Flags {
  audio?: string;
  text?: string;
  queryImage?: string;
  depth?: string;
  thermal?: string;
  imu?: string;
  model?: string;
  device?: Device;
  out?: string;
  json?: boolean;
  method: string;
  candidates: number;
  template: string;
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

const round = (b: { x: number; y: number; w: number; h: number }) => ({ x: b.x, y: b.y, w: b.w, h: b.h });

async function writeOverlay(path: string, r: LocateImageResult): Promise<void> {
  const legend =
    r.method === 'windows'
      ? { title: 'cosine', low: Math.min(...r.scored.map((c) => c.score)).toFixed(2), high: r.score.toFixed(2) }
      : { title: 'match', low: 'low', high: `best ${r.score.toFixed(2)}` };
  const boxes = r.boxes.map((b, i) => ({ box: b.box, label: `#${i + 1} ${b.score.toFixed(2)}` }));
  try {
    await writeFile(path, await renderHeatmapPng(r.image, r.heatmap, { boxes, legend }));
  } catch (e) {
    throw new ConfigError(
      'OUTPUT_UNWRITABLE',
      `${path}: cannot write the heatmap (${(e as Error).message}). Check the folder exists and is writable.`,
      { cause: e },
    );
  }
}

export function register(program: Command): void {
  program
    .command('locate')
    .description('find where a sound, a phrase or another modality is in an image (training-free; boxes + heatmap)')
    .argument('<image>', 'image file')
    .option('--text <phrase>', 'text query (e.g. "a dog")')
    .option('--audio <file>', 'audio query (e.g. a bark)')
    .option('--query-image <file>', 'image query (another picture of the thing)')
    .option('--depth <file>', 'depth-map query')
    .option('--thermal <file>', 'thermal-image query')
    .option('--imu <file>', 'IMU-log query')
    .option('--model <dir>', 'model directory (default: $IMAGEBIND_MODEL, else the embedded mini model)')
    .addOption(deviceOption())
    .option('--out <heatmap.png>', 'write the heatmap over the image, boxes labelled, with a colour legend')
    .option('--json', 'print {"image", "box", "score", "boxes": [{box, score}], "peak", "heatmap", "method"}')
    .option('--method <m>', `proposals (dense similarity + verified proposals) | windows (crop scoring)`, 'proposals')
    .option('--candidates <n>', 'proposals: boxes verified by the encoder', parsePositiveInt('--candidates'), 5)
    .option('--template <t>', 'prompt around a text query; {} is replaced by the phrase', 'a photo of {}')
    .option('--scales <list>', 'windows: window sides as fractions of the short side', '1,0.75,0.5,0.35')
    .option('--stride <f>', 'windows: step between windows as a fraction of the window', '0.5')
    .option('--reduce <how>', 'windows: heatmap is the mean | max of the windows covering each pixel', 'mean')
    .option('--batch-size <n>', 'crops per encoder run', parsePositiveInt('--batch-size'), 16)
    .option('--exif', 'apply EXIF orientation (the official pipeline ignores it)')
    .addHelpText(
      'after',
      `
Methods (compared in bench/localization.md):
  proposals  one dense pass gives every patch's similarity with the query (MaskCLIP-style); selective
             search proposes object-like boxes; the best few by objectness + dense similarity are
             cropped and scored by the vision encoder. Every box close to the best is reported,
             so several matching objects get several boxes. About 6 encoder runs per image.
  windows    every multi-scale square window is cropped and scored (about 40 runs per image).
Query parts (text, audio, image, depth, thermal, IMU) are each normalised, then summed.

Examples:
  imagebind locate --text "a dog" --out dog-heat.png photo.jpg
  imagebind locate --audio bark.wav --json photo.jpg`,
    )
    .action(async (image: string, flags: Flags) => {
      const query = {
        text: flags.text,
        audio: flags.audio,
        image: flags.queryImage,
        depth: flags.depth,
        thermal: flags.thermal,
        imu: flags.imu,
      };
      if (Object.values(query).every((v) => v === undefined)) {
        throw new ConfigError(
          'LOCATE_NO_QUERY',
          'no query: pass --text "<phrase>", --audio <file>, --query-image, --depth, --thermal or --imu.',
        );
      }
      if (!(LOCATE_METHODS as readonly string[]).includes(flags.method))
        throw new ConfigError(
          'BAD_ARGUMENT',
          `--method must be ${LOCATE_METHODS.join(' or ')}, got "${flags.method}".`,
        );
      if (flags.reduce !== 'mean' && flags.reduce !== 'max')
        throw new ConfigError('BAD_ARGUMENT', `--reduce must be mean or max, got "${flags.reduce}".`);
      const scales = parseFractions('--scales', flags.scales);
      const [stride] = parseFractions('--stride', flags.stride);
      const model = await ImageBind.load(await resolveModelDir(flags.model), {
        ...deviceLoadOptions(flags),
        batchSize: flags.batchSize,
      });
      try {
        let bar: Progress | null = null;
        const r = await locate(model, image, query, {
          method: flags.method as LocateMethod,
          candidates: flags.candidates,
          template: flags.template,
          scales,
          stride,
          reduce: flags.reduce as HeatmapReduce,
          batchSize: flags.batchSize,
          decode: { respectExifOrientation: Boolean(flags.exif) },
          onProgress: (done, total) => {
            bar ??= new Progress('locate', total, 'crops');
            bar.update(done);
          },
        });
        (bar as Progress | null)?.done();
        if (flags.out) await writeOverlay(flags.out, r);
        const box = round(r.box);
        const peak = { x: Math.round(r.peak.x), y: Math.round(r.peak.y) };
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({
              image,
              method: r.method,
              width: r.width,
              height: r.height,
              box,
              score: r.score,
              boxes: r.boxes.map((b) => ({ box: round(b.box), score: b.score })),
              peak,
              heatmap: flags.out ?? null,
              scored: r.scored.length,
            })}\n`,
          );
        } else {
          for (const [i, b] of r.boxes.entries()) {
            process.stdout.write(
              `${image}: #${i + 1} box x=${b.box.x} y=${b.box.y} w=${b.box.w} h=${b.box.h}  score ${b.score.toFixed(4)}\n`,
            );
          }
          process.stdout.write(`peak at (${peak.x}, ${peak.y}); ${r.scored.length} boxes scored (${r.method})\n`);
          if (flags.out) process.stdout.write(`heatmap: ${flags.out}\n`);
        }
      } finally {
        await model.close();
      }
    });
}
