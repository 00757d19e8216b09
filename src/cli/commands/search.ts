import type { Command } from 'commander';
import { openModelStore } from '../../apps/model-store.ts';
import { searchStore } from '../../apps/query.ts';
import { formatTime, searchSegments } from '../../apps/segments/search.ts';
import { ConfigError } from '../../core/errors.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { STORE_MODALITIES } from '../../store/modality.ts';
import { parseModalityList, parsePositiveInt } from '../options.ts';
import { addQueryFlags, rewriteArgv } from '../query-flags.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import { vectorPrecisionOption } from '../store-options.ts';
import type { VectorPrecision } from '../../store/index.ts';
import type { Device } from '../../runtime/device.ts';

export { rewriteArgv };

export function register(program: Command): void {
  const cmd = program
    .command('search')
    .description('search the index with any combination of inputs, composed by embedding arithmetic')
    .option('--db <file>', 'SQLite index file', 'imagebind.db')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .addOption(vectorPrecisionOption())
    .option('--weights <list>', 'weights for the positive query inputs, in command-line order, e.g. 1,0.5')
    .option('--modality <list>', 'only return these modalities (image, audio, video, depth, thermal, imu, text)')
    .option('-k <n>', 'number of results', parsePositiveInt('-k'), 10)
    .option('--segments', 'search the time windows of recordings indexed with --segments: file and time range')
    .option('--within <file>', 'with --segments: only inside this recording')
    .option('--json', 'print a JSON array of {path, modality, score} (with --segments also start, end), best first');
  const queryParts = addQueryFlags(cmd);
  cmd.addHelpText(
    'after',
    `
Each input is embedded, L2-normalised, weighted (minus inputs negated) and summed; results are the
nearest items by cosine similarity. Examples:
  imagebind search --text "a dog barking" --modality audio -k 5
  imagebind search --image beach.jpg --audio waves.wav --weights 1,0.5 --modality image
  imagebind search --image dog.jpg --minus --text "a dog" --text "a cat"
  imagebind search --segments --text "a dog barking" --within walk.mp4 -k 3`,
  );
  cmd.action(
    async (flags: {
      db: string;
      model?: string;
      device?: Device;
      vectorPrecision?: VectorPrecision;
      weights?: string;
      modality?: string;
      k: number;
      segments?: boolean;
      within?: string;
      json?: boolean;
    }) => {
      if (flags.within !== undefined && !flags.segments)
        throw new ConfigError('BAD_ARGUMENT', '--within searches inside one recording and needs --segments.');
      const query = queryParts(flags.weights);
      const modalities = flags.modality ? parseModalityList(flags.modality, STORE_MODALITIES, '--modality') : undefined;
      const model = await ImageBind.load(await resolveModelDir(flags.model), deviceLoadOptions(flags));
      const store = openModelStore(model, flags.db, { readonly: true, vectorPrecision: flags.vectorPrecision });
      try {
        if (flags.segments) {
          const hits = await searchSegments(model, store, {
            parts: query,
            k: flags.k,
            modalities,
            within: flags.within,
          });
          if (flags.json)
            process.stdout.write(
              `${JSON.stringify(hits.map((h) => ({ path: h.path, modality: h.modality, start: h.start, end: h.end, score: h.score, id: h.id })))}\n`,
            );
          else if (hits.length === 0)
            process.stdout.write('no segments (index recordings with --segments <seconds>)\n');
          else
            for (const [i, h] of hits.entries())
              process.stdout.write(
                `${String(i + 1).padStart(3)}. ${h.score.toFixed(4)}  ${h.modality.padEnd(7)}  ${h.path}  [${formatTime(h.start)}–${formatTime(h.end)}]\n`,
              );
          return;
        }
        const hits = await searchStore(model, store, { parts: query, k: flags.k, modalities });
        if (flags.json)
          process.stdout.write(
            `${JSON.stringify(hits.map((h) => ({ path: h.path, modality: h.modality, score: h.score, id: h.id })))}\n`,
          );
        else if (hits.length === 0) process.stdout.write('no results\n');
        else
          for (const [i, h] of hits.entries())
            process.stdout.write(
              `${String(i + 1).padStart(3)}. ${h.score.toFixed(4)}  ${h.modality.padEnd(7)}  ${h.path}\n`,
            );
      } finally {
        store.close();
        await model.close();
      }
    },
  );
}
