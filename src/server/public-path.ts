/**
 * How server-side paths appear in answers. Files under a --root are named by their path (clients
 * name them so when indexing by path); uploads are named `uploads/<file>`, since where the server
 * keeps them is its own business, and temp files never appear at all.
 */
import { tmpdir } from 'node:os';
import { relative } from 'node:path';
import type { ServerContext } from './context.ts';
import { isInside } from './paths.ts';

export function publicPath(ctx: Pick<ServerContext, 'uploads'>, path: string): string {
  return isInside(path, ctx.uploads) ? `uploads/${relative(ctx.uploads, path)}` : path;
}

const TEMP = new RegExp(`${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/imagebind-[^\\s:,;)'"]*`, 'g');

/** A message with the uploads folder shortened to `uploads` and temp paths replaced. */
export function publicMessage(ctx: Pick<ServerContext, 'uploads'>, message: string): string {
  return message.split(ctx.uploads).join('uploads').replace(TEMP, '<temp file>');
}
