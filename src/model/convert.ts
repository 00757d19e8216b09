/**
 * Checkpoint → model directory. Tensors stream one at a time from the checkpoint into each
 * modality's external-data file (so the huge checkpoint never sits in memory twice), then the
 * ONNX graph is written pointing at them, and the manifest last: a directory with a manifest is
 * complete. Every file is written under a temporary name and renamed into place.
 */
import { createHash } from 'node:crypto';
import { open, mkdir, rename, writeFile, copyFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CheckpointReader } from '../checkpoint/types.ts';
import { CheckpointError } from '../core/errors.ts';
import { formatShape } from '../core/tensor.ts';
import { modalityArch } from './architecture.ts';
import { buildEncoder } from './build.ts';
import type { ImageBindConfig, Modality } from './config.ts';
import type { InitializerDef, Precision, WeightTransform } from './graph.ts';
import { quantizePerChannel, toHalf } from './weight-transforms.ts';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type ModalityEntry } from './manifest.ts';
import { removeManifest, writeManifest } from './manifest-file.ts';
import { type ExternalLocation, serializeModel } from './onnx/serialize.ts';

export const OPSET = 17;
const PAGE_ALIGN = 65536;
const SMALL_ALIGN = 64;

export interface ConvertOptions {
  readonly config: ImageBindConfig;
  readonly modalities: readonly Modality[];
  readonly outDir: string;
  readonly name?: string;
  /** BPE merges file copied to `tokenizer/` when the text encoder is converted. */
  readonly vocabPath?: string;
  readonly debug?: boolean;
  /** Weight storage: fp32 (exact), fp16 (half the size, computed in fp32) or int8 Linear layers. */
  readonly precision?: Precision;
  /** onnxruntime's fused MultiHeadAttention instead of explicit ops (default on). */
  readonly fusedAttention?: boolean;
  readonly onProgress?: (e: { modality: Modality; tensor: string; done: number; total: number }) => void;
}

/** The checkpoint shape behind an initializer (quantized weights are stored transposed). */
function sourceShape(init: InitializerDef): readonly number[] {
  const t = init.source.kind === 'checkpoint' ? init.source.transform : undefined;
  if (t === 'int8-transposed') return [init.shape[1], init.shape[0]];
  return init.shape;
}

function checkShape(reader: CheckpointReader, init: InitializerDef, modality: Modality): void {
  if (init.source.kind === 'checkpoint' && init.source.transform === 'int8-scale') return;
  if (!reader.has(init.name)) {
    throw new CheckpointError(
      'TENSOR_MISSING',
      `${reader.path}: no tensor "${init.name}", which the ${modality} encoder needs. Is this an ImageBind checkpoint, and does --config/--preset match it?`,
    );
  }
  const info = reader.info(init.name);
  if (formatShape(info.shape) !== formatShape(sourceShape(init))) {
    throw new CheckpointError(
      'TENSOR_SHAPE',
      `${reader.path}: "${init.name}" has shape ${formatShape(info.shape)} but the config expects ${formatShape(sourceShape(init))}. Pass the matching --config or --preset.`,
    );
  }
}

async function writeModality(reader: CheckpointReader, m: Modality, opts: ConvertOptions): Promise<ModalityEntry> {
  const arch = modalityArch(opts.config, m);
  const graph = buildEncoder(arch, {
    debug: opts.debug,
    precision: opts.precision,
    fusedAttention: opts.fusedAttention ?? true,
  });
  const weightsFile = `${m}.weights`;
  const weightsTmp = join(opts.outDir, `${weightsFile}.tmp`);
  const external = graph.initializers.filter((i) => i.source.kind === 'checkpoint');
  for (const init of external) checkShape(reader, init, m);

  const locations = new Map<string, ExternalLocation>();
  const hash = createHash('sha256');
  const fh = await open(weightsTmp, 'w');
  let offset = 0;
  // A quantized weight's scales follow its int8 data; keep them until their initializer comes up.
  const pendingScales = new Map<string, Float32Array>();
  try {
    for (const [i, init] of external.entries()) {
      const src = init.source as { key: string; transform?: WeightTransform };
      let stored: Float32Array | Uint16Array | Int8Array;
      if (src.transform === 'int8-scale') {
        stored = pendingScales.get(src.key)!;
        pendingScales.delete(src.key);
      } else {
        const data = await reader.readFloat32(src.key);
        // The identity hashes the float32 weights, so every precision of a checkpoint shares it.
        hash.update(src.key).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if (src.transform === 'fp16') stored = toHalf(data);
        else if (src.transform === 'int8-transposed') {
          const { q, scale } = quantizePerChannel(data, init.shape[1], init.shape[0]);
          pendingScales.set(src.key, scale);
          stored = q;
        } else stored = data;
      }
      const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
      const align = bytes.length >= 1 << 20 ? PAGE_ALIGN : SMALL_ALIGN;
      offset = Math.ceil(offset / align) * align;
      await fh.write(bytes, 0, bytes.length, offset);
      locations.set(init.name, { file: weightsFile, offset, length: bytes.length });
      offset += bytes.length;
      opts.onProgress?.({ modality: m, tensor: init.name, done: i + 1, total: external.length });
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  const onnx = serializeModel(graph, {
    opsetVersion: OPSET,
    extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
    producerVersion: '0.1.0',
    docString: `ImageBind ${m} encoder (facebookresearch/ImageBind@53680b0 semantics)`,
    locate: (init) => {
      const loc = locations.get(init.name);
      if (!loc) throw new Error(`internal: no location for ${init.name}`);
      return loc;
    },
  });
  const graphFile = `${m}.onnx`;
  await writeFile(join(opts.outDir, `${graphFile}.tmp`), onnx);
  await rename(weightsTmp, join(opts.outDir, weightsFile));
  await rename(join(opts.outDir, `${graphFile}.tmp`), join(opts.outDir, graphFile));

  let outputScale = 1;
  if (arch.logitScale) {
    const [s] = await reader.readFloat32(arch.logitScale);
    outputScale = Math.min(Math.fround(Math.exp(s)), 100);
  }
  return {
    graph: graphFile,
    weights: weightsFile,
    inputDType: arch.inputDType,
    itemShape: arch.itemShape,
    outputDim: arch.outDim,
    outputScale,
    weightBytes: offset,
    weightsSha256: hash.digest('hex'),
  };
}

/**
 * The embedding space's identity. ImageBind aligns every modality to the image embedding, so the
 * vision encoder defines the space: a modality later bound against the same frozen vision encoder
 * lives in the same space and keeps the identity. Without vision, all encoders present define it.
 */
export function spaceIdentity(modalities: Partial<Record<Modality, ModalityEntry>>): string {
  const h = createHash('sha256');
  if (modalities.vision) h.update(`vision:${modalities.vision.weightsSha256}\n`);
  else for (const [m, e] of Object.entries(modalities).sort()) h.update(`${m}:${e.weightsSha256}\n`);
  return h.digest('hex');
}

export async function convertCheckpoint(reader: CheckpointReader, opts: ConvertOptions): Promise<Manifest> {
  await mkdir(opts.outDir, { recursive: true });
  await removeManifest(opts.outDir);
  const modalities: Partial<Record<Modality, ModalityEntry>> = {};
  for (const m of opts.modalities) modalities[m] = await writeModality(reader, m, opts);

  let tokenizer: Manifest['tokenizer'] = null;
  if (opts.vocabPath && opts.modalities.includes('text')) {
    await mkdir(join(opts.outDir, 'tokenizer'), { recursive: true });
    const merges = `tokenizer/${basename(opts.vocabPath)}`;
    await copyFile(opts.vocabPath, join(opts.outDir, merges));
    tokenizer = { merges, contextLength: 77 };
  }
  const identity = spaceIdentity(modalities);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    name: opts.name ?? basename(opts.outDir),
    config: opts.config,
    precision: opts.precision ?? 'fp32',
    modalities,
    tokenizer,
    identity,
    source: { checkpoint: basename(reader.path), createdBy: 'imagebind-ts 0.1.0', createdAt: new Date().toISOString() },
  };
  await writeManifest(opts.outDir, manifest);
  return manifest;
}
