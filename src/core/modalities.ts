/**
 * Every kind of input described once: its names, the encoder that embeds it, the per-item tensor
 * its loader produces, and the file names that mark it. The loaders, embed, the store, the file
 * detector, the runtime's shape messages, the CLI, the server and the web UI all read this table,
 * so adding an extension or renaming a label happens here only. Browser-safe: no Node imports
 * (the web UI bundles it).
 */

interface KindDescription {
  /** What the UI and messages call it. */
  readonly label: string;
  /** The name users write for it on the command line and in budgets (`--image`, `--max-kind-mb image=…`). */
  readonly userName: string;
  /** Further names accepted for it wherever a kind is named (flags, manifests, query strings). */
  readonly aliases: readonly string[];
  /** The encoder that embeds it: video clips go through the vision encoder. */
  readonly encoder: 'vision' | 'text' | 'audio' | 'depth' | 'thermal' | 'imu';
  /**
   * Per-item tensor its loader produces with the official transform's defaults (no batch
   * dimension); null for text, which is tokenised rather than loaded from a file.
   */
  readonly itemShape: readonly number[] | null;
  /**
   * Whether the encoder's input may carry S clips or crops per item ([B, S, ...item]) that the
   * official forward averages (imagebind_model.py: reduce_list); text and IMU items never do.
   */
  readonly averagesClips: boolean;
  /** Extensions (lower case, with the dot) that mark a file of this kind. */
  readonly extensions: readonly string[];
  /**
   * Extensions that mark this kind only behind a `.<kind>` tag (`x.depth.png`, `x.imu.csv`):
   * they win over the plain extensions, so a depth PNG is not taken for a photo.
   */
  readonly tagged: readonly string[];
}

/** The table. Its order is the store's (and the order `STORE_MODALITIES` lists). */
const KINDS = {
  vision: {
    label: 'Image',
    userName: 'image',
    aliases: ['image', 'images'],
    encoder: 'vision',
    itemShape: [3, 224, 224],
    averagesClips: true,
    extensions: [
      '.jpg',
      '.jpeg',
      '.png',
      '.webp',
      '.gif',
      '.bmp',
      '.tif',
      '.tiff',
      '.ppm',
      '.pgm',
      '.pbm',
      '.pnm',
      '.tga',
      '.ico',
    ],
    tagged: [],
  },
  text: {
    label: 'Text',
    userName: 'text',
    aliases: [],
    encoder: 'text',
    itemShape: null,
    averagesClips: false,
    extensions: [],
    tagged: [],
  },
  audio: {
    label: 'Audio',
    userName: 'audio',
    aliases: [],
    encoder: 'audio',
    itemShape: [3, 1, 128, 204],
    averagesClips: true,
    extensions: [
      '.wav',
      '.mp3',
      '.flac',
      '.ogg',
      '.oga',
      '.opus',
      '.m4a',
      '.aac',
      '.aif',
      '.aiff',
      '.aifc',
      '.au',
      '.snd',
    ],
    tagged: [],
  },
  video: {
    label: 'Video',
    userName: 'video',
    aliases: [],
    encoder: 'vision',
    itemShape: [15, 3, 2, 224, 224],
    averagesClips: true,
    extensions: ['.mp4', '.mkv', '.webm', '.mov', '.avi', '.m4v'],
    tagged: [],
  },
  depth: {
    label: 'Depth',
    userName: 'depth',
    aliases: [],
    encoder: 'depth',
    itemShape: [1, 224, 224],
    averagesClips: true,
    extensions: ['.pfm'],
    tagged: ['.png', '.tif', '.tiff', '.npy', '.pfm'],
  },
  thermal: {
    label: 'Thermal',
    userName: 'thermal',
    aliases: [],
    encoder: 'thermal',
    itemShape: [1, 224, 224],
    averagesClips: true,
    extensions: [],
    tagged: ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp'],
  },
  imu: {
    label: 'IMU',
    userName: 'imu',
    aliases: [],
    encoder: 'imu',
    itemShape: [6, 2000],
    averagesClips: false,
    extensions: ['.csv', '.tsv'],
    tagged: ['.csv', '.tsv', '.json', '.npy'],
  },
} as const satisfies Record<string, KindDescription>;

/** Every kind of input: the six encoders' plus video, which the vision encoder embeds. */
export type InputKind = keyof typeof KINDS;
/** The six encoders (`imagebind_model.py: ModalityType`). */
export type Modality = (typeof KINDS)[InputKind]['encoder'];
/** Kinds that come from files (all but text). */
export type FileKind = Exclude<InputKind, 'text'>;

export const MODALITY_TABLE: Readonly<Record<InputKind, KindDescription>> = KINDS;

const ALL = Object.keys(KINDS) as InputKind[];

/** The encoders, in the official order (vision, text, audio, depth, thermal, imu). */
export const MODALITIES = ALL.filter((k): k is Modality => KINDS[k].encoder === k) as readonly Modality[];

/** File kinds in table order (vision, audio, video, depth, thermal, imu). */
export const FILE_KINDS = ALL.filter((k): k is FileKind => k !== 'text') as readonly FileKind[];

/**
 * The order embed works and reports in: text first (tokenising is cheap), then the file kinds
 * grouped by encoder, in encoder order, so kinds sharing an encoder sit together.
 */
export const INPUT_KINDS: readonly InputKind[] = [
  'text',
  ...MODALITIES.flatMap((m) => FILE_KINDS.filter((k) => KINDS[k].encoder === m)),
];

/** What a store item can be filed under: every input kind (video kept apart from images). */
export const STORE_MODALITIES: readonly InputKind[] = ALL;

export function isModality(s: string): s is Modality {
  return (MODALITIES as readonly string[]).includes(s);
}

export function isFileKind(s: string): s is FileKind {
  return (FILE_KINDS as readonly string[]).includes(s);
}

export function isInputKind(s: string): s is InputKind {
  return (ALL as readonly string[]).includes(s);
}

/** The encoder that embeds a kind's inputs. */
export function encoderFor(kind: InputKind): Modality {
  return KINDS[kind].encoder;
}

/**
 * A kind name as users write it, in canonical form: trimmed, lower case, aliases resolved
 * (`image`/`images` → `vision`). Names that are no kind come back trimmed and lower-cased.
 */
export function canonicalKindName(s: string): string {
  const name = s.trim().toLowerCase();
  for (const k of ALL) if ((KINDS[k].aliases as readonly string[]).includes(name)) return k;
  return name;
}

/** The name users write for a kind (`image` for vision): CLI flags, budget keys, icon names. */
export function userNameOf(kind: InputKind): string {
  return KINDS[kind].userName;
}

export function labelOf(kind: InputKind): string {
  return KINDS[kind].label;
}

/** The per-item tensor a file kind's loader produces with default options. */
export function itemShapeOf(kind: FileKind): readonly number[] {
  return KINDS[kind].itemShape;
}

/** Whether [B, S, ...item] inputs of this encoder are averaged over S. */
export function averagesClips(m: Modality): boolean {
  return KINDS[m].averagesClips;
}

/** `x.depth.png` → depth: a `.<kind>` tag before one of the kind's tagged extensions, or null. */
export function taggedKindOf(name: string): FileKind | null {
  const lower = name.toLowerCase();
  for (const k of FILE_KINDS) for (const ext of KINDS[k].tagged) if (lower.endsWith(`.${k}${ext}`)) return k;
  return null;
}

/** The kind a plain extension (lower case, with the dot) marks, or null. */
export function kindOfExtension(ext: string): FileKind | null {
  const lower = ext.toLowerCase();
  for (const k of FILE_KINDS) if ((KINDS[k].extensions as readonly string[]).includes(lower)) return k;
  return null;
}

/** The extension of a file name as Node's `path.extname` gives it ('' for `.hidden` and `name`). */
export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** The kind a file name marks: tagged extensions first, then plain ones; null when none does. */
export function kindOfFileName(name: string): FileKind | null {
  return taggedKindOf(name) ?? kindOfExtension(extensionOf(name));
}
