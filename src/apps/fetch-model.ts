/**
 * The official weights in one step: download `imagebind_huge.pth` from where the official code gets
 * it (`imagebind/models/imagebind_model.py`: torch.hub.download_url_to_file from
 * dl.fbaipublicfiles.com), the BPE vocabulary from the official repository, convert, and delete the
 * checkpoint unless asked to keep it. Downloads resume; the disk space needed is checked first.
 */
import { existsSync, mkdirSync, statSync, statfsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { openCheckpoint } from '../checkpoint/open.ts';
import { DownloadError } from '../core/errors.ts';
import type { ImageBindConfig, Modality } from '../model/config.ts';
import { convertCheckpoint } from '../model/convert.ts';
import type { Precision } from '../model/graph.ts';
import type { Manifest } from '../model/manifest.ts';
import { download, probeSize } from './download.ts';

export const OFFICIAL_CHECKPOINT_URL = 'https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth';
/** Pinned to the commit the parity fixtures were made with (53680b0), so the bytes (and hash) cannot change. */
export const OFFICIAL_VOCAB_URL =
  'https://raw.githubusercontent.com/facebookresearch/ImageBind/53680b02d7e37b19b124fa37bae4b6c98c38f5be/imagebind/bpe/bpe_simple_vocab_16e6.txt.gz';
export const OFFICIAL_VOCAB = {
  bytes: 1_356_917,
  sha256: '924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a',
};
/** The vocabulary is ~1.3 MB; anything much larger is not it. */
const VOCAB_MAX_BYTES = 64 * 2 ** 20;
/** Converted weights per checkpoint byte (fp32 weights are the checkpoint's; int8 keeps some fp32 tensors). */
const MODEL_SIZE_FACTOR: Record<Precision, number> = { fp32: 1.02, fp16: 0.52, int8: 0.3, 'fp16-compute': 0.52 };

export interface FetchOptions {
  readonly outDir: string;
  readonly config: ImageBindConfig;
  readonly modalities: readonly Modality[];
  readonly precision: Precision;
  readonly url?: string;
  readonly vocabUrl?: string;
  /** The checkpoint's sha256 when the caller knows it (the official repository publishes none). */
  readonly sha256?: string;
  /** Keep the downloaded checkpoint and vocabulary (in downloadDir). */
  readonly keep?: boolean;
  /** Where downloads go and resume from (default: `<outDir>.download`). */
  readonly downloadDir?: string;
  readonly maxBytes: number;
  readonly maxBytesHint?: string;
  readonly idleTimeoutMs?: number;
  /** Skip the free-space check (file systems that misreport it). */
  readonly skipSpaceCheck?: boolean;
  readonly onStatus?: (message: string) => void;
  readonly onDownload?: (file: string, done: number, total: number | null) => void;
  readonly onConvert?: (e: { modality: Modality; done: number; total: number }) => void;
}

export interface FetchReport {
  readonly manifest: Manifest;
  readonly checkpoint: { url: string; bytes: number; sha256: string; resumedFrom: number; kept: string | null };
  readonly vocab: { url: string; sha256: string };
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

/** `path`, or its nearest parent that exists (where a file under `path` would land). */
function existingParent(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** Free bytes for an unprivileged writer on the file system that would hold `path`. */
function freeBytes(path: string): number {
  const s = statfsSync(existingParent(path));
  return s.bavail * s.bsize;
}

export async function fetchModel(o: FetchOptions): Promise<FetchReport> {
  const url = o.url ?? OFFICIAL_CHECKPOINT_URL;
  const vocabUrl = o.vocabUrl ?? OFFICIAL_VOCAB_URL;
  const downloadDir = o.downloadDir ?? `${o.outDir.replace(/\/+$/, '')}.download`;
  const ckptName = basename(new URL(url).pathname) || 'checkpoint.pth';
  const ckptPath = join(downloadDir, ckptName);
  const vocabPath = join(downloadDir, basename(new URL(vocabUrl).pathname) || 'bpe_vocab.txt.gz');

  const size = await probeSize(url, o.idleTimeoutMs);
  if (size !== null && size > o.maxBytes)
    throw new DownloadError(
      'TOO_LARGE',
      `${url}: ${gib(size)} is over the download limit of ${gib(o.maxBytes)}${o.maxBytesHint ? ` (raise it with ${o.maxBytesHint})` : ''}.`,
    );
  mkdirSync(downloadDir, { recursive: true });
  const onDisk = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  const have = onDisk(ckptPath) === size ? onDisk(ckptPath) : onDisk(`${ckptPath}.part`);
  const toDownload = size === null ? null : Math.max(0, size - have);
  const modelBytes = size === null ? null : Math.ceil(size * MODEL_SIZE_FACTOR[o.precision]);
  o.onStatus?.(
    size === null
      ? `downloading ${url} (the server does not say its size) into ${downloadDir}`
      : `downloading ${url}: ${gib(size)}${have > 0 ? `, ${gib(have)} already here from an earlier run` : ''}. ` +
          `Disk needed: ${gib(toDownload!)} in ${downloadDir} for the download, then ~${gib(modelBytes!)} in ${o.outDir} ` +
          `for the ${o.precision} model${o.keep ? '' : ' (the checkpoint is deleted afterwards)'}.`,
  );
  if (size !== null && !o.skipSpaceCheck) {
    const sameFs = statSync(existingParent(downloadDir)).dev === statSync(existingParent(o.outDir)).dev;
    const needs: [string, number][] = sameFs
      ? [[downloadDir, toDownload! + modelBytes!]]
      : [
          [downloadDir, toDownload!],
          [o.outDir, modelBytes!],
        ];
    for (const [where, need] of needs) {
      const free = freeBytes(where);
      if (free < need)
        throw new DownloadError(
          'DISK_SPACE',
          `${where}: needs ${gib(need)} free, has ${gib(free)}. Free some space, or choose another --out (or --download-dir); pass --skip-space-check if the file system misreports it.`,
        );
    }
  }

  const ckpt = await download(url, ckptPath, {
    maxBytes: o.maxBytes,
    expectedBytes: size ?? undefined,
    maxBytesHint: o.maxBytesHint,
    expectedSha256: o.sha256,
    idleTimeoutMs: o.idleTimeoutMs,
    onProgress: (d, t) => o.onDownload?.(ckptName, d, t),
  });
  o.onStatus?.(`${ckptPath}: ${ckpt.bytes} bytes, sha256 ${ckpt.sha256}`);
  const official = vocabUrl === OFFICIAL_VOCAB_URL;
  const vocab = await download(vocabUrl, vocabPath, {
    maxBytes: VOCAB_MAX_BYTES,
    expectedBytes: official ? OFFICIAL_VOCAB.bytes : undefined,
    expectedSha256: official ? OFFICIAL_VOCAB.sha256 : undefined,
    idleTimeoutMs: o.idleTimeoutMs,
    onProgress: (d, t) => o.onDownload?.(basename(vocabPath), d, t),
  });

  o.onStatus?.(`converting ${ckptPath} into ${o.outDir} (${o.precision})`);
  const reader = await openCheckpoint(ckptPath);
  let manifest: Manifest;
  try {
    manifest = await convertCheckpoint(reader, {
      config: o.config,
      modalities: o.modalities,
      outDir: o.outDir,
      vocabPath,
      precision: o.precision,
      onProgress: ({ modality, done, total }) => o.onConvert?.({ modality, done, total }),
    });
  } finally {
    await reader.close();
  }
  if (!o.keep) await rm(downloadDir, { recursive: true, force: true });
  return {
    manifest,
    checkpoint: {
      url,
      bytes: ckpt.bytes,
      sha256: ckpt.sha256,
      resumedFrom: ckpt.resumedFrom,
      kept: o.keep ? ckptPath : null,
    },
    vocab: { url: vocabUrl, sha256: vocab.sha256 },
  };
}
