/**
 * What Pillow 9.4 shows for a GIF's transparent pixels, which libvips does not keep: Pillow reads
 * the first frame as palette indices, so `convert("RGB")` gives a transparent pixel the palette
 * colour of the transparency index, and pixels outside the first frame's rectangle that index too
 * (or index 0 without transparency). libvips returns those pixels with alpha 0 and no colour;
 * firstFrameFill tells which colour to put there. Pure.
 */

export interface FirstFrame {
  /** The RGB Pillow gives the first frame's transparent pixels and the screen outside the frame. */
  fill: [number, number, number];
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The first frame's rectangle and fill colour, or undefined when the file has no palette. */
export function firstFrame(b: Uint8Array): FirstFrame | undefined {
  if (b.length < 13) return undefined;
  const packed = b[10];
  let pos = 13;
  let global: Uint8Array | undefined;
  if (packed & 0x80) {
    const n = 3 * (1 << ((packed & 7) + 1));
    global = b.subarray(pos, pos + n);
    pos += n;
  }
  let transparency: number | undefined;
  while (pos < b.length) {
    const block = b[pos];
    if (block === 0x21) {
      // Extension: label, then sub-blocks; a graphic control extension carries the transparency index.
      if (b[pos + 1] === 0xf9 && b[pos + 2] >= 4 && b[pos + 3] & 1) transparency = b[pos + 6];
      pos += 2;
      while (pos < b.length && b[pos] !== 0) pos += b[pos] + 1;
      pos++;
    } else if (block === 0x2c) {
      const local = b[pos + 9];
      const palette = local & 0x80 ? b.subarray(pos + 10, pos + 10 + 3 * (1 << ((local & 7) + 1))) : global;
      if (!palette) return undefined;
      const i = (transparency ?? 0) * 3;
      const u16 = (at: number): number => b[at] | (b[at + 1] << 8);
      return {
        fill: [palette[i] ?? 0, palette[i + 1] ?? 0, palette[i + 2] ?? 0],
        left: u16(pos + 1),
        top: u16(pos + 3),
        width: u16(pos + 5),
        height: u16(pos + 7),
      };
    } else return undefined;
  }
  return undefined;
}
