import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FILE_KINDS,
  INPUT_KINDS,
  MODALITIES,
  STORE_MODALITIES,
  canonicalKindName,
  encoderFor,
  extensionOf,
  kindOfFileName,
} from './modalities.ts';

test('the derived lists keep the orders the encoders, loaders, embed and store rely on', () => {
  // imagebind_model.py: ModalityType order, as the manifests and configs list encoders.
  assert.deepEqual(MODALITIES, ['vision', 'text', 'audio', 'depth', 'thermal', 'imu']);
  assert.deepEqual(FILE_KINDS, ['vision', 'audio', 'video', 'depth', 'thermal', 'imu']);
  assert.deepEqual(INPUT_KINDS, ['text', 'vision', 'video', 'audio', 'depth', 'thermal', 'imu']);
  assert.deepEqual(STORE_MODALITIES, ['vision', 'text', 'audio', 'video', 'depth', 'thermal', 'imu']);
  assert.equal(encoderFor('video'), 'vision');
  assert.equal(encoderFor('imu'), 'imu');
});

test('file names: tagged extensions win over plain ones, unknown names give null', () => {
  const cases: [string, string | null][] = [
    ['dog.jpg', 'vision'],
    ['DOG.JPEG', 'vision'],
    ['scan.tga', 'vision'],
    ['room.depth.png', 'depth'],
    ['room.DEPTH.TIFF', 'depth'],
    ['room.depth.npy', 'depth'],
    ['disp.pfm', 'depth'],
    ['night.thermal.jpg', 'thermal'],
    ['night.thermal.bmp', 'thermal'],
    ['walk.imu.json', 'imu'],
    ['walk.imu.npy', 'imu'],
    ['walk.csv', 'imu'],
    ['bark.wav', 'audio'],
    ['bark.aiff', 'audio'],
    ['clip.webm', 'video'],
    ['dir.png/notes.txt', null],
    ['night.thermal.npy', null],
    ['walk.json', null],
    ['array.npy', null],
    ['.png', null],
    ['README', null],
  ];
  for (const [name, kind] of cases) assert.equal(kindOfFileName(name), kind, name);
  assert.equal(extensionOf('a/b.c/d'), '');
  assert.equal(extensionOf('a/b.tar.gz'), '.gz');
});

test('kind names: image means vision, names are trimmed and lower-cased, others pass through', () => {
  assert.equal(canonicalKindName('image'), 'vision');
  assert.equal(canonicalKindName(' Images '), 'vision');
  assert.equal(canonicalKindName('AUDIO'), 'audio');
  assert.equal(canonicalKindName('__proto__'), '__proto__');
  assert.equal(canonicalKindName('pictures'), 'pictures');
});
