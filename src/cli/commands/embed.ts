import { writeFile, rename } from 'node:fs/promises';
import type { Command } from 'commander';
import { detectKind, parseKindOverrides } from '../../apps/media-kind.ts';
import { MediaError } from '../../core/errors.ts';
import { writeNpy } from '../../core/npy.ts';
import type { EmbedInputs, InputKind } from '../../embed/embed.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';

export function register(program: Command): void {
  program
    .command('embed')
    .description('embed files and strings; write the vectors as .npy ([N, dim], input order) or JSON')
    .argument('[files...]', 'media files (kind detected from the name)')
    .option('--text <s>', 'a string to embed (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .requiredOption('--output <file>', 'out.npy or out.json')
    .option('--normalize', 'L2-normalise the vectors (default: official outputs with logit scales)')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .option('--kind-map <spec>', 'override kind detection, e.g. ".png=thermal"')
    .option('--skip-errors', 'write what worked (JSON marks failures) instead of failing')
    .action(
      async (
        files: string[],
        flags: {
          text: string[];
          output: string;
          normalize?: boolean;
          model?: string;
          kindMap?: string;
          skipErrors?: boolean;
        },
      ) => {
        const overrides = parseKindOverrides(flags.kindMap);
        const order: { kind: InputKind; index: number; input: string }[] = flags.text.map((t, i) => ({
          kind: 'text',
          index: i,
          input: t,
        }));
        const inputs: Record<string, string[]> = { text: [...flags.text] };
        for (const f of files) {
          const kind = detectKind(f, overrides);
          if (!kind)
            throw new MediaError('UNKNOWN_KIND', `${f}: cannot tell which modality this file is; pass --kind-map.`);
          inputs[kind] ??= [];
          order.push({ kind, index: inputs[kind].length, input: f });
          inputs[kind].push(f);
        }
        if (order.length === 0) throw new MediaError('NO_INPUT', 'nothing to embed: give files and/or --text.');
        const model = await ImageBind.load(await resolveModelDir(flags.model));
        try {
          const out = await model.embed(inputs as EmbedInputs, { normalize: flags.normalize });
          for (const e of out.errors) process.stderr.write(`failed: ${e.message}\n`);
          if (out.errors.length > 0 && !flags.skipErrors)
            throw new MediaError(
              'EMBED_FAILED',
              `${out.errors.length} inputs failed (listed above); nothing written. Pass --skip-errors to write the rest.`,
            );
          const rows = order.map((o) => ({ ...o, vector: out[o.kind]?.[o.index] ?? null }));
          if (flags.output.endsWith('.json')) {
            const tmp = `${flags.output}.tmp`;
            await writeFile(
              tmp,
              JSON.stringify(
                rows.map((r) => ({ input: r.input, kind: r.kind, vector: r.vector ? Array.from(r.vector) : null })),
              ),
            );
            await rename(tmp, flags.output);
          } else {
            const ok = rows.filter((r) => r.vector);
            const dim = ok[0]?.vector?.length ?? 0;
            const data = new Float32Array(ok.length * dim);
            ok.forEach((r, i) => data.set(r.vector!, i * dim));
            await writeNpy(flags.output, { dtype: 'float32', shape: [ok.length, dim], data });
          }
          process.stderr.write(`${flags.output}: ${rows.filter((r) => r.vector).length} vectors\n`);
        } finally {
          await model.close();
        }
      },
    );
}
