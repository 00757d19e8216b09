/** A small folder of every kind the UI shows, built from the reference assets plus generated files. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export interface MediaFolder {
  dir: string;
  files: string[];
}

/** `assets` holds the reference dog/car/bird images and sounds; ffmpeg makes the clip when present. */
export async function makeMediaFolder(dir: string, assets: string): Promise<MediaFolder> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const add = (name: string): string => {
    const p = join(dir, name);
    files.push(p);
    return p;
  };
  for (const n of ['dog', 'car', 'bird']) {
    copyFileSync(join(assets, `${n}_image.jpg`), add(`${n}.jpg`));
    copyFileSync(join(assets, `${n}_audio.wav`), add(`${n}.wav`));
  }
  try {
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=10:duration=2',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      join(dir, 'clip.mp4'),
    ]);
    files.push(join(dir, 'clip.mp4'));
  } catch {
    /* no ffmpeg: the folder simply has no video */
  }
  const w = 160,
    h = 120;
  const depth = new Uint16Array(w * h).map((_, i) => 800 + (i % w) * 12 + Math.floor(i / w) * 4);
  await sharp(depth, { raw: { width: w, height: h, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toFile(add('room.depth.png'));
  const heat = new Uint8Array(w * h).map((_, i) => {
    const x = (i % w) - w / 2,
      y = Math.floor(i / w) - h / 2;
    return Math.max(0, 255 - Math.sqrt(x * x + y * y) * 4);
  });
  await sharp(Buffer.from(heat), { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toFile(add('person.thermal.png'));
  const rows = ['t,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z'];
  for (let i = 0; i < 1000; i++)
    rows.push(
      [
        i / 200,
        Math.sin(i / 30),
        Math.cos(i / 45) * 0.5,
        9.8 + Math.sin(i / 15) * 0.3,
        Math.sin(i / 25) * 0.1,
        Math.cos(i / 60),
        Math.sin(i / 90) * 0.4,
      ]
        .map((x) => x.toFixed(4))
        .join(','),
    );
  writeFileSync(add('walk.imu.csv'), rows.join('\n'));
  return { dir, files };
}
