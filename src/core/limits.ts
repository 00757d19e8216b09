/**
 * Every resource budget applied to untrusted input (media files, checkpoints) in one table. Each
 * limit has a name (the loader option that overrides it), an environment variable (which
 * overrides the default everywhere: CLI, server workers, library) and a default chosen so that
 * real inputs pass and hostile ones are refused before they cost memory or time. An input over a
 * limit gets an error whose code is the limit's `code` and whose message names the limit, its
 * value and how to raise it (limitError). Pure: no Node imports, so browser bundles use it too.
 */
import { type ImageBindError } from './errors.ts';

export interface LimitSpec {
  /** Stable error code for inputs over this limit. */
  readonly code: string;
  /** Environment variable that overrides the default. */
  readonly env: string;
  readonly default: number;
  readonly unit: string;
  /** What is counted, for messages and the README. */
  readonly what: string;
}

const MiB = 1024 * 1024;

export const LIMITS = {
  /**
   * 768 kHz is the highest rate of any audio format in use (DXD/"768k" PCM). The resampler's
   * kernel grows with the rate ratio, so this bounds its memory (≈ 37 MB) and set-up time.
   */
  maxSampleRate: {
    code: 'AUDIO_SAMPLE_RATE_LIMIT',
    env: 'IMAGEBIND_MAX_SAMPLE_RATE',
    default: 768_000,
    unit: 'Hz',
    what: 'audio sample rate',
  },
  /** One hour: the whole file is decoded and resampled, as the official loader does. */
  maxAudioSeconds: {
    code: 'AUDIO_SECONDS_LIMIT',
    env: 'IMAGEBIND_MAX_AUDIO_SECONDS',
    default: 3600,
    unit: 's',
    what: 'audio duration',
  },
  /**
   * float32 bytes of the decoded waveform (all channels), both at the file's rate and after
   * resampling to the model's rate: 512 MiB is ≈ 46 min of 48 kHz stereo.
   */
  maxAudioBytes: {
    code: 'AUDIO_BYTES_LIMIT',
    env: 'IMAGEBIND_MAX_AUDIO_BYTES',
    default: 512 * MiB,
    unit: 'bytes',
    what: 'decoded audio (float32, all channels)',
  },
  /** Pillow's own decompression-bomb error threshold (2 × Image.MAX_IMAGE_PIXELS), so we refuse what the official loader refuses. */
  maxImagePixels: {
    code: 'IMAGE_PIXELS_LIMIT',
    env: 'IMAGEBIND_MAX_IMAGE_PIXELS',
    default: 178_956_970,
    unit: 'pixels',
    what: 'image size',
  },
  /**
   * Decoded samples as stored (width × height × channels × bytes per sample; RGBA16 is 8 bytes a
   * pixel). 256 MiB is an 8-bit RGB image at Pillow's Image.MAX_IMAGE_PIXELS (89,478,485), where
   * Pillow starts warning of a decompression bomb: 89 MP photos pass, 16-bit RGB up to 44 MP.
   */
  maxImageBytes: {
    code: 'IMAGE_BYTES_LIMIT',
    env: 'IMAGEBIND_MAX_IMAGE_BYTES',
    default: 256 * MiB,
    unit: 'bytes',
    what: 'decoded image samples',
  },
  /** imagebind_huge's data.pkl is under 1 MB; a state dict of 100k tensors is ≈ 20 MB. */
  maxPickleBytes: {
    code: 'PICKLE_BYTES_LIMIT',
    env: 'IMAGEBIND_MAX_PICKLE_BYTES',
    default: 64 * MiB,
    unit: 'bytes',
    what: 'data.pkl size',
  },
  maxPickleOpcodes: {
    code: 'PICKLE_OPCODES_LIMIT',
    env: 'IMAGEBIND_MAX_PICKLE_OPCODES',
    default: 20_000_000,
    unit: 'opcodes',
    what: 'pickle opcodes executed',
  },
  /**
   * Values the pickle creates (containers, strings, numbers, tensor descriptors; an empty dict
   * costs ≈ 240 bytes): a state dict needs ≈ 12 per tensor, imagebind_huge ≈ 10k in all.
   */
  maxPickleObjects: {
    code: 'PICKLE_OBJECTS_LIMIT',
    env: 'IMAGEBIND_MAX_PICKLE_OBJECTS',
    default: 250_000,
    unit: 'objects',
    what: 'pickle objects created',
  },
  maxPickleMemo: {
    code: 'PICKLE_MEMO_LIMIT',
    env: 'IMAGEBIND_MAX_PICKLE_MEMO',
    default: 1_000_000,
    unit: 'entries',
    what: 'pickle memo entries',
  },
  /** Values on the pickle stack plus open MARKs, and items in one container. */
  maxPickleStack: {
    code: 'PICKLE_STACK_LIMIT',
    env: 'IMAGEBIND_MAX_PICKLE_STACK',
    default: 1_000_000,
    unit: 'values',
    what: 'pickle stack depth',
  },
  /** A deflated zip entry larger than this is inflated once to an anonymous temporary file instead of memory. */
  maxInflateInMemory: {
    code: 'ZIP_INFLATE_LIMIT',
    env: 'IMAGEBIND_MAX_INFLATE_IN_MEMORY',
    default: 64 * MiB,
    unit: 'bytes',
    what: 'zip entry inflated in memory',
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;
export type Limits = { -readonly [K in LimitName]?: number };

function fromEnv(spec: LimitSpec): number | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const raw = env?.[spec.env];
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = Number(raw);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The limit in force: the explicit option, else the environment variable, else the default. */
export function limitValue(name: LimitName, override?: number): number {
  if (override !== undefined && Number.isFinite(override) && override > 0) return override;
  return fromEnv(LIMITS[name]) ?? LIMITS[name].default;
}

/** All limits resolved at once (for a loader that checks several). */
export function resolveLimits(overrides: Limits = {}): Required<Limits> {
  const out = {} as Required<Limits>;
  for (const name of Object.keys(LIMITS) as LimitName[]) out[name] = limitValue(name, overrides[name]);
  return out;
}

/**
 * The error for an input over a limit: "<source>: <what> is <actual> <unit>, over the limit
 * <name> = <value>. <advice> To raise it, pass { <name>: N } or set <ENV>=N." Its class is the
 * caller's layer (MediaError, CheckpointError), its code the limit's.
 */
export function limitError<E extends ImageBindError>(
  cls: new (code: string, message: string) => E,
  name: LimitName,
  source: string,
  actual: number | string,
  limit: number,
  advice = '',
): E {
  const spec = LIMITS[name];
  const message =
    `${source}: ${spec.what} is ${actual} ${spec.unit}, over the limit ${name} = ${limit} ${spec.unit}.` +
    `${advice ? ` ${advice}` : ''} To allow it, raise the limit: option ${name} or environment variable ${spec.env}.`;
  return new cls(spec.code, message);
}
