import type { Command } from 'commander';
import { readNpy, writeNpy } from '../../core/npy.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { parseModality, parsePositiveInt } from '../options.ts';
import { resolveModelDir } from '../model-dir.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';

export function register(program: Command): void {
  program
    .command('embed-tensor')
    .description(
      'run one encoder on an already preprocessed tensor (.npy) and write what the official model({modality: x})[modality] returns',
    )
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .requiredOption('--modality <m>', 'vision | text | audio | depth | thermal | imu')
    .requiredOption('--input <file.npy>', 'float32 input (int64 token ids for text)')
    .requiredOption('--output <file.npy>', 'float32 [B, out_dim] embeddings')
    .option('--threads <n>', 'onnxruntime intra-op threads', parsePositiveInt('--threads'))
    .option('--batch-size <n>', 'items per encoder run', parsePositiveInt('--batch-size'), 8)
    .addHelpText(
      'after',
      `
Accepted input shapes (B = batch, S = clips/crops averaged like the official forward):
  vision  [B,3,224,224]  [B,S,3,224,224]  [B,S,3,2,224,224]
  text    [B,77] int64
  audio   [B,1,128,204]  [B,S,1,128,204]
  depth / thermal [B,1,224,224]  [B,S,1,224,224]
  imu     [B,6,2000]`,
    )
    .action(
      async (flags: {
        model?: string;
        device?: Device;
        modality: string;
        input: string;
        output: string;
        threads?: number;
        batchSize: number;
      }) => {
        const modality = parseModality(flags.modality);
        const input = await readNpy(flags.input);
        const model = await ImageBind.load(await resolveModelDir(flags.model), {
          ...deviceLoadOptions(flags),
          threads: flags.threads,
          batchSize: flags.batchSize,
        });
        try {
          const out = await model.embedTensor(modality, input);
          await writeNpy(flags.output, out);
          process.stderr.write(`${flags.output}: float32 [${out.shape.join(', ')}]\n`);
        } finally {
          await model.close();
        }
      },
    );
}
