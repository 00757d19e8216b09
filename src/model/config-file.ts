/** Reads a config JSON file from disk (Node); parsing and defaults live in config.ts. */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.ts';
import { type ImageBindConfig, parseConfig } from './config.ts';

export async function loadConfigFile(path: string): Promise<ImageBindConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError('CONFIG_UNREADABLE', `${path}: cannot read config (${(e as Error).message}).`);
  }
  return parseConfig(text, path);
}
