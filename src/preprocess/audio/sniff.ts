/**
 * Which decoder serves an audio file, by its first bytes (never its name). The official loader
 * (torchaudio 0.13, sox_io back end) reads everything libsox reads through libsox and falls back
 * to ffmpeg for the rest; we do the same: WAV in TypeScript (bit-exact with libsox), the formats
 * below through the `sox` command with an explicit type, and everything else (AAC/M4A, Opus,
 * video containers, WebM) through ffmpeg.
 */

/** A libsox format name, passed to `sox -t`. */
export type SoxType = 'mp3' | 'vorbis' | 'flac' | 'aiff' | 'aifc' | 'au' | 'wav' | 'w64' | 'caf' | 'voc' | 'sph';

const ascii = (b: Uint8Array, at: number, s: string): boolean =>
  b.length >= at + s.length && [...s].every((c, i) => b[at + i] === c.charCodeAt(0));

/** An MPEG audio frame header (layer I, II or III): 11 sync bits, a valid layer, bitrate and rate index. */
function mpegFrame(b: Uint8Array, at: number): boolean {
  if (b.length < at + 4 || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return false;
  const version = (b[at + 1] >> 3) & 3;
  const layer = (b[at + 1] >> 1) & 3; // 0 is reserved, and ADTS (AAC) uses 0 here
  const bitrate = b[at + 2] >> 4;
  const rate = (b[at + 2] >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 15 && rate !== 3;
}

/** Skips an ID3v2 tag (some files carry several, or padding after one). */
function afterId3(b: Uint8Array): number {
  let at = 0;
  while (ascii(b, at, 'ID3') && b.length >= at + 10) {
    const size =
      ((b[at + 6] & 0x7f) << 21) | ((b[at + 7] & 0x7f) << 14) | ((b[at + 8] & 0x7f) << 7) | (b[at + 9] & 0x7f);
    at += 10 + size + (b[at + 5] & 0x10 ? 10 : 0);
  }
  return at;
}

/**
 * The libsox type for `head` (the file's first bytes; 64 KiB is plenty), or undefined when sox
 * should not read it. `ID3` alone counts as MP3: the tag is MP3's, and the first frame may lie
 * beyond `head`.
 */
export function soxTypeOf(head: Uint8Array): SoxType | undefined {
  if (ascii(head, 0, 'fLaC')) return 'flac';
  if (ascii(head, 0, 'OggS')) {
    // The first page's packet names the codec: libsox reads Vorbis; Opus and Ogg FLAC go to ffmpeg.
    const segments = head[26] ?? 0;
    const packet = 27 + segments;
    return head[packet] === 1 && ascii(head, packet + 1, 'vorbis') ? 'vorbis' : undefined;
  }
  if (ascii(head, 0, 'FORM') && ascii(head, 8, 'AIFF')) return 'aiff';
  if (ascii(head, 0, 'FORM') && ascii(head, 8, 'AIFC')) return 'aifc';
  if (ascii(head, 0, '.snd')) return 'au';
  if ((ascii(head, 0, 'RIFF') || ascii(head, 0, 'RIFX') || ascii(head, 0, 'RF64')) && ascii(head, 8, 'WAVE'))
    return 'wav';
  if (ascii(head, 0, 'riff') && head[4] === 0x2e && head[5] === 0x91) return 'w64';
  if (ascii(head, 0, 'caff')) return 'caf';
  if (ascii(head, 0, 'Creative Voice File\x1a')) return 'voc';
  if (ascii(head, 0, 'NIST_1A')) return 'sph';
  if (ascii(head, 0, 'ID3')) return 'mp3';
  return mpegFrame(head, afterId3(head)) ? 'mp3' : undefined;
}
