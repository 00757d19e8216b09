/**
 * The generation benchmark's judge (`<model>/judge/`, made by scripts/train-decoder.ts): a small
 * classifier of world images trained on real images only, so its verdict on a generated image is
 * independent of the ImageBind space the decoder was conditioned on.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GenerationError } from '../../core/errors.ts';
import { CLASSIFIER_INPUT, CLASSIFIER_OUTPUT } from '../../model/classifier.ts';
import { resizeBicubicPIL } from '../../preprocess/vision/index.ts';
import { type BackendSession, createSession } from '../../runtime/backend.ts';
import type { GeneratedImage } from '../../runtime/diffusion/image-decoder.ts';
import { argmaxRows } from '../../train/classifier.ts';
import { JUDGE_FORMAT, type JudgeManifest } from '../../synth/decoder/judge.ts';

export class Judge {
  private constructor(
    readonly manifest: JudgeManifest,
    private readonly session: BackendSession,
  ) {}

  static async load(dir: string): Promise<Judge> {
    let m: JudgeManifest;
    try {
      m = JSON.parse(await readFile(join(dir, 'judge.json'), 'utf8')) as JudgeManifest;
    } catch {
      throw new GenerationError(
        'JUDGE_MISSING',
        `${dir}: no judge classifier (judge.json). Make one with \`npx tsx scripts/train-decoder.ts --skip-decoder\` or pass --judge <dir>.`,
      );
    }
    if (m.format !== JUDGE_FORMAT)
      throw new GenerationError('JUDGE_INVALID', `${dir}/judge.json: not a judge (format "${m.format}").`);
    return new Judge(m, await createSession(join(dir, m.graph)));
  }

  /** Predicted class id per image (images resized to the judge's side with Pillow's bicubic). */
  async classify(images: readonly GeneratedImage[]): Promise<number[]> {
    const S = this.manifest.spec.imageSize,
      plane = S * S;
    const out: number[] = [];
    for (let at = 0; at < images.length; at += 64) {
      const batch = images.slice(at, at + 64);
      const x = new Float32Array(batch.length * 3 * plane);
      batch.forEach((img, i) => {
        const px =
          img.width === S && img.height === S ? img.data : resizeBicubicPIL(img.data, img.width, img.height, S, S, 3);
        for (let p = 0; p < plane; p++)
          for (let c = 0; c < 3; c++) x[i * 3 * plane + c * plane + p] = px[p * 3 + c] / 127.5 - 1;
      });
      const r = await this.session.run(CLASSIFIER_INPUT, { dtype: 'float32', shape: [batch.length, 3, S, S], data: x });
      out.push(...argmaxRows(r.get(CLASSIFIER_OUTPUT)!.data, this.manifest.spec.classes));
    }
    return out;
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
