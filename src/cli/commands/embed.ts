import { writeFile, rename } from 'node:fs/promises';
import type { Command } from 'commander';
import { detectKind, parseKindOverrides } from '../../apps/media-kind.ts';
import { MediaError } from '../../core/errors.ts';
import { writeNpy } from '../../core/npy.ts';
import type { EmbedInputs, InputKind } from '../../embed/embed.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { collect } from '../options.ts';
import { count } from '../plural.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';

/**
 * Which inputs were texts and which files, in command-line order: commander hands them over
 * separately (`--text` values, then operands), so the order comes from the raw arguments. Null when
 * the walk disagrees with commander's parse (then texts come first).
 */
function commandLineOrder(cmd: Command, texts: number, files: number): ('text' | 'file')[] | null {
  // rawArgs: the argv that parse() was given (commander keeps it, though its types leave it out).
  const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
  const at = raw.indexOf(cmd.name(), 2);
  if (at < 0) return null;
  const takesValue = new Set<string>();
  for (const o of cmd.options)
    if (o.required || o.optional) for (const f of [o.long, o.short]) if (f) takesValue.add(f);
  const seq: ('text' | 'file')[] = [];
  const tokens = raw.slice(at + 1);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') {
      seq.push(...tokens.slice(i + 1).map(() => 'file' as const));
      break;
    }
    if (t === '--text' || t.startsWith('--text=')) {
      seq.push('text');
      if (t === '--text') i++;
    } else if (t.startsWith('-') && t.length > 1) {
      if (!t.includes('=') && takesValue.has(t)) i++;
    } else seq.push('file');
  }
  const n = (k: 'text' | 'file') => seq.filter((x) => x === k).length;
  return n('text') === texts && n('file') === files ? seq : null;
}

export function register(program: Command): void {
  program
    .command('embed')
    .description('embed files and strings; write the vectors as .npy ([N, dim], in command-line order) or JSON')
    .argument('[files...]', 'media files (kind detected from the name)')
    .option('--text <s>', 'a string to embed (repeatable)', collect)
    .requiredOption('--output <file>', 'out.npy or out.json')
    .option('--normalize', 'L2-normalise the vectors (default: official outputs with logit scales)')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .option('--kind-map <spec>', 'override kind detection, e.g. ".png=thermal"')
    .option('--skip-errors', 'write what worked (JSON marks failures) instead of failing')
    .action(
      async (
        files: string[],
        flags: {
          text?: string[];
          output: string;
          normalize?: boolean;
          model?: string;
          device?: Device;
          kindMap?: string;
          skipErrors?: boolean;
        },
        cmd: Command,
      ) => {
        const overrides = parseKindOverrides(flags.kindMap);
        const texts = flags.text ?? [];
        const order: { kind: InputKind; index: number; input: string }[] = [];
        const inputs: Record<string, string[]> = { text: [...texts] };
        const fileEntry = (f: string) => {
          const kind = detectKind(f, overrides);
          if (!kind)
            throw new MediaError('UNKNOWN_KIND', `${f}: cannot tell which modality this file is; pass --kind-map.`);
          inputs[kind] ??= [];
          inputs[kind].push(f);
          return { kind, index: inputs[kind].length - 1, input: f };
        };
        const seq = commandLineOrder(cmd, texts.length, files.length) ?? [
          ...texts.map(() => 'text' as const),
          ...files.map(() => 'file' as const),
        ];
        let t = 0;
        let f = 0;
        for (const which of seq) {
          if (which === 'text') order.push({ kind: 'text', index: t, input: texts[t++]! });
          else order.push(fileEntry(files[f++]!));
        }
        if (order.length === 0) throw new MediaError('NO_INPUT', 'nothing to embed: give files and/or --text.');
        const model = await ImageBind.load(await resolveModelDir(flags.model), deviceLoadOptions(flags));
        try {
          const out = await model.embed(inputs as EmbedInputs, { normalize: flags.normalize });
          for (const e of out.errors) process.stderr.write(`failed: ${e.message}\n`);
          if (out.errors.length > 0 && !flags.skipErrors)
            throw new MediaError(
              'EMBED_FAILED',
              `${count(out.errors.length, 'input')} failed (listed above); nothing written. Pass --skip-errors to write the rest.`,
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
          process.stderr.write(`${flags.output}: ${count(rows.filter((r) => r.vector).length, 'vector')}\n`);
        } finally {
          await model.close();
        }
      },
    );
}
