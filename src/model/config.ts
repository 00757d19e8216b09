/**
 * Model configuration as data: the `ImageBindModel(**kwargs)` arguments. A config file is either
 * `{"kwargs": {...}}` (like the reference fixtures' config.json and `configs/huge.json`) or a bare
 * kwargs object; omitted arguments take the official defaults (`configs/defaults.json`).
 */
import { ConfigError } from '../core/errors.ts';
import defaults from './configs/defaults.json' with { type: 'json' };
import huge from './configs/huge.json' with { type: 'json' };

export const MODALITIES = ['vision', 'text', 'audio', 'depth', 'thermal', 'imu'] as const;
export type Modality = (typeof MODALITIES)[number];

export function isModality(s: string): s is Modality {
  return (MODALITIES as readonly string[]).includes(s);
}

/**
 * Every `ImageBindModel.__init__` argument (facebookresearch/ImageBind@53680b0, imagebind_model.py),
 * plus one imagebind-ts extension: `text_vocab_size` (official: 49408, fixed inside
 * TextPreprocessor), so models with their own, smaller BPE vocabulary keep a small embedding table.
 */
export type ImageBindConfig = typeof defaults;

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
