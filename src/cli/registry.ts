/**
 * Every `imagebind` command, by name. A command is a file in `commands/` that exports
 * `register(program)` (and optionally `rewriteArgv`); it joins the CLI with one line here.
 * Only the command being run is imported, so `imagebind --help` and light commands never load
 * onnxruntime, sharp or SQLite; the summaries below are what the top-level help lists.
 * (test/e2e/cli-surface.test.ts checks that every file in commands/ is listed and registers its name.)
 */
import type { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
  /** Lets a command accept argument forms commander cannot express (search's `--minus --text x`). */
  rewriteArgv?(argv: string[]): string[];
}

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

// One line per command (prettier-ignore keeps it so): adding a command is a one-line change.
// prettier-ignore
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'demo', summary: 'index a generated demo set with the embedded model and run cross-modal searches', load: () => import('./commands/demo.ts') },
  { name: 'fetch', summary: 'download the official imagebind_huge weights and vocabulary, and convert them', load: () => import('./commands/fetch.ts') },
  { name: 'convert', summary: 'convert an ImageBind checkpoint (.pth/.safetensors) into a model directory', load: () => import('./commands/convert.ts') },
  { name: 'preprocess', summary: 'run the official input pipeline on files or strings and write the tensor as .npy', load: () => import('./commands/preprocess.ts') },
  { name: 'embed-tensor', summary: 'run one encoder on a preprocessed tensor (.npy)', load: () => import('./commands/embed-tensor.ts') },
  { name: 'embed', summary: 'embed files and strings into vectors (.npy or JSON, in command-line order)', load: () => import('./commands/embed.ts') },
  { name: 'index', summary: 'embed every media file under folders into a vector index (incremental)', load: () => import('./commands/index-media.ts') },
  { name: 'worker', summary: 'embed jobs from a distributed `index --queue` run (BullMQ on Redis)', load: () => import('./commands/worker.ts') },
  { name: 'verify', summary: 'check an index file fully (SQLite, duplicates, vectors, HNSW graphs) and rebuild it', load: () => import('./commands/verify.ts') },
  { name: 'search', summary: 'search the index with any combination of inputs (embedding arithmetic)', load: () => import('./commands/search.ts') },
  { name: 'classify', summary: 'zero-shot classification of files of any modality against text labels', load: () => import('./commands/classify.ts') },
  { name: 'fewshot', summary: 'few-shot classification from a few labelled files', load: () => import('./commands/fewshot.ts') },
  { name: 'locate', summary: 'find where a sound, a phrase or another input is in an image (boxes and heatmap)', load: () => import('./commands/locate.ts') },
  { name: 'train', summary: 'bind a new sensor to the embedding space by training on image pairs', load: () => import('./commands/train.ts') },
  { name: 'eval-emergent', summary: 'the emergent zero-shot table of a model on a fresh synthetic held-out set', load: () => import('./commands/eval-emergent.ts') },
  { name: 'eval-localization', summary: 'localisation benchmark on fresh synthetic scenes with ground-truth boxes', load: () => import('./commands/eval-localization.ts') },
  { name: 'eval-segments', summary: 'search-by-segment benchmark on fresh long synthetic recordings', load: () => import('./commands/eval-segments.ts') },
  { name: 'generate', summary: 'make images from any inputs (sound, text, depth, thermal, IMU, images) through the shared space', load: () => import('./commands/generate.ts') },
  { name: 'eval-generation', summary: 'generation benchmark: held-out inputs of every modality → images, judged against the image-conditioned bound', load: () => import('./commands/eval-generation.ts') },
  { name: 'ablate', summary: "re-run one of the paper's ablations at mini scale (JSON results and a PNG plot)", load: () => import('./commands/ablate.ts') },
  { name: 'bench', summary: 'time one encoder on seeded random inputs', load: () => import('./commands/bench.ts') },
  { name: 'serve', summary: 'HTTP API, web UI and a Weaviate multi2vec-bind endpoint', load: () => import('./commands/serve.ts') },
];
