/** `--vector-precision` for commands that open a store (index, search, serve). */
import { Option } from 'commander';
import { parseVectorPrecision } from '../store/index.ts';

export const VECTOR_PRECISION_HELP =
  'how the ANN graphs (above 20k items) hold vectors: f32, f16 (0.55x the memory) or i8 (0.33x); f16 and i8 re-score candidates exactly from a float32 copy of the vectors beside the graphs (disk, not memory); default: what this index last used, else f32';

export function vectorPrecisionOption(): Option {
  return new Option('--vector-precision <p>', VECTOR_PRECISION_HELP).argParser((s: string) =>
    parseVectorPrecision(s, '--vector-precision'),
  );
}
