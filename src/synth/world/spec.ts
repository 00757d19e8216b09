/**
 * The vocabulary of a synthetic class: how it looks, sounds, is shaped, radiates heat, moves and
 * is described. Plain data, so class tables can be printed, diffed and serialised.
 */

export type Rgb = readonly [number, number, number];
export type Range = readonly [number, number];

/** 2-D silhouettes with cheap signed distance functions (see shape.ts). */
export type ShapeKind =
  | 'circle'
  | 'ellipse'
  | 'box'
  | 'roundbox'
  | 'triangle'
  | 'star'
  | 'ring'
  | 'diamond'
  | 'capsule'
  | 'hexagon'
  | 'cross'
  | 'dome';
export type TextureKind = 'plain' | 'stripes' | 'spots' | 'checks' | 'noise' | 'rings' | 'porthole';

export interface VisualSpec {
  shape: ShapeKind;
  /** Width / height of the silhouette before rotation. */
  aspect: number;
  /** Main body colour and texture colour. */
  palette: readonly [Rgb, Rgb];
  texture: TextureKind;
  /** Texture cycles across the object's radius. */
  textureFreq: number;
  /** How far the silhouette may rotate (radians either way); upright things barely rotate. */
  maxTilt: number;
}

/** One additive layer of a class's sound. Frequencies are Hz. */
export type SoundLayer =
  /** Partials at `ratios` × f0 with `amps`; `glide` is the relative f0 change over one pulse. */
  | {
      type: 'tone';
      f0: Range;
      ratios: readonly number[];
      amps: readonly number[];
      vibrato?: readonly [number, number];
      glide?: number;
      gain: number;
    }
  /** White noise through a band-pass between `band` edges. */
  | { type: 'noise'; band: Range; gain: number }
  /** Sine carrier frequency-modulated at `ratio` × carrier with modulation index `index`. */
  | { type: 'fm'; f0: Range; ratio: number; index: number; gain: number };

/** How the layers are switched on and off over time. */
export type Rhythm =
  | { kind: 'continuous'; am?: readonly [number, number] }
  /** Repeated events at `rate` per second with attack/decay envelopes in seconds. */
  | { kind: 'pulses'; rate: Range; attack: number; decay: number; jitter: number };

export interface SoundSpec {
  layers: readonly SoundLayer[];
  rhythm: Rhythm;
}

/** Height profiles of the object's front surface, for depth. */
export type FormKind = 'sphere' | 'box' | 'cylinder' | 'cone' | 'torus' | 'pyramid' | 'flat';

export interface FormSpec {
  form: FormKind;
  /** Distance from the camera in metres. */
  distance: Range;
  /** Silhouette radius as a fraction of image width (near end of `distance` ↔ large end). */
  scale: Range;
  /** Depth relief as a multiple of the object's radius in metres. */
  relief: number;
}

export type HeatPattern = 'body' | 'hotspot' | 'flame' | 'uniform' | 'ring' | 'stripes';

export interface HeatSpec {
  pattern: HeatPattern;
  /** Surface temperature in °C: absolute, or relative to ambient (15–28 °C) when `relative`. */
  surface: Range;
  /** Unheated things (instruments, metal, cold-blooded animals) follow the ambient temperature. */
  relative?: boolean;
  /** Peak temperature of the hot spot / flame / ring in °C. */
  peak: number;
  /** Hot spot centre in object-local coordinates (-1..1). */
  spot: readonly [number, number];
}

export type MotionKind =
  | 'gait'
  | 'stalk'
  | 'flap'
  | 'drive'
  | 'rail'
  | 'hover'
  | 'hits'
  | 'bowing'
  | 'swing'
  | 'turbulence'
  | 'flicker'
  | 'tick'
  | 'jump'
  | 'buzz'
  | 'engine'
  | 'spin';

export interface MotionSpec {
  kind: MotionKind;
  /** Characteristic frequency in Hz (stride, flap, spin, vibration, event rate …). */
  freq: Range;
  /** Characteristic amplitude: metres for translations, radians for rotations. */
  amp: number;
}

export interface CaptionSpec {
  nouns: readonly string[];
  /** Colour words for the palette, in the same order as `palette`. */
  colours: readonly string[];
  adjectives: readonly string[];
  verbs: readonly string[];
  places: readonly string[];
  /** Words for the class's sound ("barking", "ringing"). */
  sounds: readonly string[];
}

export interface ClassSpec {
  id: number;
  name: string;
  visual: VisualSpec;
  sound: SoundSpec;
  form: FormSpec;
  heat: HeatSpec;
  motion: MotionSpec;
  caption: CaptionSpec;
}
