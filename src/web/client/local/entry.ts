/**
 * The in-browser embedder, bundled apart from the UI (local.js) and loaded only when the user turns
 * on "embed in this browser": it pulls in onnxruntime-web and fetches the server's model directory.
 * Decoding uses the browser (canvas for images, WebAudio for compressed audio); WAV files go
 * through the same decoder as Node, so their embeddings match the server's.
 */
import { ImageBindWeb, type DownloadProgress } from '../../../embed/web.ts';
import { looksLikeWav } from '../../../preprocess/audio/wav.ts';
import type { DecodedAudio } from '../../../preprocess/audio/wav.ts';
import type { RgbImage } from '../../../preprocess/image/bmp.ts';
import { stripJpegExif } from '../../../preprocess/image/exif-strip.ts';
import { decodePng } from '../../../preprocess/image/png-decode.ts';
import { rawToRgb } from '../../../preprocess/image/raw-rgb.ts';

export interface LocalModelOptions {
  readonly modelUrl: string;
  readonly wasmPaths: string;
  readonly headers?: Record<string, string>;
  readonly executionProviders?: readonly ('webgpu' | 'wasm')[];
  /** WASM threads (default: the cores, when the page is cross-origin isolated). */
  readonly threads?: number;
  readonly onProgress?: (p: DownloadProgress) => void;
}

export interface LocalModel {
  readonly identity: string;
  readonly backend: string;
  readonly model: ImageBindWeb;
  embedText(text: string): Promise<Float32Array>;
  embedImage(file: Blob): Promise<Float32Array>;
  embedAudio(file: Blob): Promise<Float32Array>;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
/** A tab's memory, not the format, is the limit: the image is resized to 224 px anyway. */
const MAX_BROWSER_PIXELS = 64 * 2 ** 20;

function pngPixels(bytes: Uint8Array): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return bytes.length >= 24 ? v.getUint32(16) * v.getUint32(20) : 0;
}

/**
 * Pixels as stored (no colour management, no Exif rotation), as Pillow's `Image.open` sees them.
 * PNGs are decoded in TypeScript: a canvas premultiplies alpha, which loses the colour of
 * transparent pixels that `convert("RGB")` keeps.
 */
export async function decodeImageBlob(file: Blob, name = 'image'): Promise<RgbImage> {
  const raw = new Uint8Array(await file.arrayBuffer());
  if (PNG_SIGNATURE.every((b, i) => raw[i] === b)) {
    if (pngPixels(raw) > MAX_BROWSER_PIXELS)
      throw new Error(`${name} has over ${MAX_BROWSER_PIXELS / 2 ** 20} MP, too large to decode in a tab`);
    return rawToRgb(decodePng(raw, name));
  }
  const bytes = stripJpegExif(raw);
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
    imageOrientation: 'none',
  });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser has no 2D canvas to decode images with');
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const rgb = new Uint8Array(bitmap.width * bitmap.height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      rgb[j] = rgba[i];
      rgb[j + 1] = rgba[i + 1];
      rgb[j + 2] = rgba[i + 2];
    }
    return { width: bitmap.width, height: bitmap.height, data: rgb };
  } finally {
    bitmap.close();
  }
}

/** Compressed audio through WebAudio at 16 kHz, the model's rate (the browser resamples). */
async function decodeCompressedAudio(bytes: ArrayBuffer): Promise<DecodedAudio> {
  const ctx = new OfflineAudioContext(1, 1, 16000);
  const buf = await ctx.decodeAudioData(bytes);
  const channels = Array.from({ length: buf.numberOfChannels }, (_, c) => buf.getChannelData(c).slice());
  return { channels, sampleRate: buf.sampleRate };
}

function row(t: { data: Float32Array; shape: readonly number[] }): Float32Array {
  return t.data.slice(0, t.shape[1]);
}

export async function loadLocalModel(opts: LocalModelOptions): Promise<LocalModel> {
  const model = await ImageBindWeb.load(opts.modelUrl, {
    wasmPaths: opts.wasmPaths,
    headers: opts.headers,
    executionProviders: opts.executionProviders,
    threads: opts.threads,
    onProgress: opts.onProgress,
  });
  const rt = model.runtime;
  const backend =
    rt.executionProviders[0] === 'webgpu' ? 'WebGPU' : `WASM${rt.threads > 1 ? ` · ${rt.threads} threads` : ''}`;
  return {
    identity: model.identity,
    backend,
    model,
    embedText: async (text) => row(await model.embedText([text])),
    embedImage: async (file) =>
      row(await model.embedImages([await decodeImageBlob(file, file instanceof File ? file.name : 'image')])),
    embedAudio: async (file) => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (looksLikeWav(bytes)) return row(await model.embedWavs([bytes]));
      return row(await model.embedWaveforms([await decodeCompressedAudio(bytes.buffer)]));
    },
  };
}
