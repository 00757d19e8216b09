/** `--vector-precision` for commands that open a store (index, search, serve). */
import { Option } from 'commander';
import { parseVectorPrecision } from '../store/index.ts';

export const VECTOR_PRECISION_HELP =
  'how the ANN graphs (above 20k items) hold vectors: f32, f16 or i8 (a quarter of the memory; candidates re-scored exactly); default: what this index last used, else f32';

export function vectorPrecisionOption(): Option {
  return new Option('--vector-precision <p>', VECTOR_PRECISION_HELP).argParser((s: string) =>
    parseVectorPrecision(s, '--vector-precision'),
  );
}
