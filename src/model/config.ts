/**
 * Model configuration as data: the `ImageBindModel(**kwargs)` arguments. A config file is either
 * `{"kwargs": {...}}` (like the reference fixtures' config.json and `configs/huge.json`) or a bare
 * kwargs object; omitted arguments take the official defaults (`configs/defaults.json`).
 */
import { ConfigError } from '../core/errors.ts';
import defaultsJson from './configs/defaults.json' with { type: 'json' };
import huge from './configs/huge.json' with { type: 'json' };
import { MODALITIES, type Modality } from '../core/modalities.ts';

export { MODALITIES, isModality, type Modality } from '../core/modalities.ts';

/**
 * Every `ImageBindModel.__init__` argument (facebookresearch/ImageBind@53680b0, imagebind_model.py),
 * plus one imagebind-ts extension: `text_vocab_size` (official: 49408, fixed inside
 * TextPreprocessor), so models with their own, smaller BPE vocabulary keep a small embedding table.
 */
export type ImageBindConfig = {
  video_frames: number;
  kernel_size: number[];
  out_embed_dim: number;
  vision_embed_dim: number;
  vision_num_blocks: number;
  vision_num_heads: number;
  audio_kernel_size: number;
  audio_stride: number;
  audio_embed_dim: number;
  audio_num_blocks: number;
  audio_num_heads: number;
  audio_num_mel_bins: number;
  audio_target_len: number;
  audio_drop_path: number;
  text_embed_dim: number;
  text_num_blocks: number;
  text_num_heads: number;
  text_vocab_size: number;
  depth_embed_dim: number;
  depth_kernel_size: number;
  depth_num_blocks: number;
  depth_num_heads: number;
  depth_drop_path: number;
  thermal_embed_dim: number;
  thermal_kernel_size: number;
  thermal_num_blocks: number;
  thermal_num_heads: number;
  thermal_drop_path: number;
  imu_embed_dim: number;
  imu_kernel_size: number;
  imu_num_blocks: number;
  imu_num_heads: number;
  imu_drop_path: number;
};

// Written out rather than `typeof defaultsJson`: declaration files cannot import JSON under nodenext
// (tsc drops the import attribute), and this assignment checks that the two agree.
const defaults: ImageBindConfig = defaultsJson;

export const PRESETS: Readonly<Record<string, Partial<ImageBindConfig>>> = { huge: huge.kwargs };

export function resolveConfig(kwargs: Record<string, unknown>, source = '<config>'): ImageBindConfig {
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(kwargs)) {
    if (!(k in defaults)) {
      throw new ConfigError(
        'CONFIG_UNKNOWN_KEY',
        `${source}: unknown ImageBindModel argument "${k}". Known arguments: ${Object.keys(defaults).join(', ')}.`,
      );
    }
    const expected = defaults[k as keyof ImageBindConfig];
    const ok = Array.isArray(expected)
      ? Array.isArray(v) && v.length === expected.length && v.every((x) => Number.isInteger(x) && x > 0)
      : typeof v === 'number' && Number.isFinite(v);
    if (!ok)
      throw new ConfigError(
        'CONFIG_BAD_VALUE',
        `${source}: "${k}" must be ${Array.isArray(expected) ? `a list of ${expected.length} positive integers` : 'a number'}, got ${JSON.stringify(v)}.`,
      );
    out[k] = v;
  }
  const cfg = out as ImageBindConfig;
  for (const m of MODALITIES) {
    const dim = cfg[`${m}_embed_dim`];
    const heads = cfg[`${m}_num_heads`];
    if (!Number.isInteger(dim) || !Number.isInteger(heads) || dim <= 0 || heads <= 0 || dim % heads !== 0) {
      throw new ConfigError(
        'CONFIG_BAD_VALUE',
        `${source}: ${m}_embed_dim (${dim}) must be a positive multiple of ${m}_num_heads (${heads}).`,
      );
    }
  }
  return cfg;
}

/** Parses config JSON text: `{"kwargs": {...}}`, `{"resolved_kwargs": ...}` or bare kwargs. */
export function parseConfig(text: string, source: string): ImageBindConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('CONFIG_INVALID_JSON', `${source}: not valid JSON (${(e as Error).message}).`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError('CONFIG_INVALID', `${source}: expected a JSON object of ImageBindModel arguments.`);
  }
  const obj = json as Record<string, unknown>;
  const kwargs = (obj.kwargs ?? obj.resolved_kwargs ?? obj) as Record<string, unknown>;
  const pick = Object.fromEntries(Object.entries(kwargs).filter(([k]) => k in defaults));
  if (obj.kwargs === undefined && obj.resolved_kwargs === undefined) return resolveConfig(kwargs, source);
  return resolveConfig(pick, source);
}

export function presetConfig(name: string): ImageBindConfig {
  const kwargs = PRESETS[name];
  if (!kwargs)
    throw new ConfigError(
      'CONFIG_UNKNOWN_PRESET',
      `unknown preset "${name}"; available: ${Object.keys(PRESETS).join(', ')}.`,
    );
  return resolveConfig(kwargs, `preset ${name}`);
}
