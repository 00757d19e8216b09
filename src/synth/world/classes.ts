/**
 * The sixteen classes of the synthetic world. Each is meant to be recognisable from any single
 * modality (colour+shape, timbre+rhythm, form+distance, temperature, motion spectrum), while
 * sharing cues with a few others (bee/helicopter colours, car/motorcycle engines, dog/cat heat)
 * so that no modality is trivially separable.
 */
import type { ClassSpec } from './spec.ts';

type Entry = Omit<ClassSpec, 'id'>;

const ENTRIES: readonly Entry[] = [
  {
    name: 'dog',
    visual: {
      shape: 'ellipse',
      aspect: 1.6,
      palette: [
        [139, 90, 43],
        [222, 184, 135],
      ],
      texture: 'spots',
      textureFreq: 3,
      maxTilt: 0.3,
    },
    sound: {
      layers: [
        { type: 'tone', f0: [380, 620], ratios: [1, 2, 3, 4], amps: [1, 0.6, 0.35, 0.2], glide: -0.25, gain: 0.8 },
        { type: 'noise', band: [600, 2500], gain: 0.25 },
      ],
      rhythm: { kind: 'pulses', rate: [1.5, 2.5], attack: 0.01, decay: 0.12, jitter: 0.25 },
    },
    form: { form: 'sphere', distance: [2, 4], scale: [0.22, 0.34], relief: 0.7 },
    heat: { pattern: 'body', surface: [33, 36], peak: 38, spot: [0.6, -0.3] },
    motion: { kind: 'gait', freq: [2.2, 3.0], amp: 0.05 },
    caption: {
      nouns: ['dog', 'puppy', 'hound'],
      colours: ['brown', 'tan'],
      adjectives: ['spotted', 'friendly', 'furry'],
      verbs: ['running', 'barking', 'playing'],
      places: ['park', 'yard', 'field'],
      sounds: ['barking', 'woofing'],
    },
  },
  {
    name: 'cat',
    visual: {
      shape: 'hexagon',
      aspect: 1.0,
      palette: [
        [235, 140, 40],
        [250, 240, 225],
      ],
      texture: 'stripes',
      textureFreq: 4,
      maxTilt: 0.4,
    },
    sound: {
      layers: [
        {
          type: 'tone',
          f0: [650, 900],
          ratios: [1, 2, 3],
          amps: [1, 0.5, 0.2],
          vibrato: [5, 0.02],
          glide: 0.3,
          gain: 0.8,
        },
      ],
      rhythm: { kind: 'pulses', rate: [0.6, 0.9], attack: 0.12, decay: 0.45, jitter: 0.2 },
    },
    form: { form: 'sphere', distance: [1, 2.2], scale: [0.18, 0.28], relief: 0.8 },
    heat: { pattern: 'body', surface: [31, 34], peak: 36, spot: [0, -0.5] },
    motion: { kind: 'stalk', freq: [1.2, 1.6], amp: 0.02 },
    caption: {
      nouns: ['cat', 'kitten', 'tabby'],
      colours: ['orange', 'white'],
      adjectives: ['striped', 'sleepy', 'small'],
      verbs: ['sitting', 'meowing', 'prowling'],
      places: ['kitchen', 'garden', 'window'],
      sounds: ['meowing', 'purring'],
    },
  },
  {
    name: 'bird',
    visual: {
      shape: 'diamond',
      aspect: 1.5,
      palette: [
        [40, 90, 220],
        [250, 215, 40],
      ],
      texture: 'noise',
      textureFreq: 5,
      maxTilt: 0.6,
    },
    sound: {
      layers: [
        { type: 'fm', f0: [3000, 4500], ratio: 0.02, index: 15, gain: 0.7 },
        { type: 'tone', f0: [2500, 3500], ratios: [1], amps: [1], glide: 0.5, gain: 0.4 },
      ],
      rhythm: { kind: 'pulses', rate: [5, 8], attack: 0.005, decay: 0.05, jitter: 0.3 },
    },
    form: { form: 'sphere', distance: [0.6, 1.4], scale: [0.12, 0.2], relief: 0.9 },
    heat: { pattern: 'body', surface: [38, 41], peak: 42, spot: [0.5, -0.4] },
    motion: { kind: 'flap', freq: [7, 10], amp: 0.005 },
    caption: {
      nouns: ['bird', 'songbird', 'sparrow'],
      colours: ['blue', 'yellow'],
      adjectives: ['tiny', 'feathered', 'bright'],
      verbs: ['singing', 'flying', 'chirping'],
      places: ['tree', 'sky', 'garden'],
      sounds: ['chirping', 'tweeting'],
    },
  },
  {
    name: 'car',
    visual: {
      shape: 'roundbox',
      aspect: 2.2,
      palette: [
        [200, 30, 35],
        [190, 195, 200],
      ],
      texture: 'plain',
      textureFreq: 1,
      maxTilt: 0.1,
    },
    sound: {
      layers: [
        { type: 'tone', f0: [45, 70], ratios: [1, 2, 3, 4, 5, 6], amps: [1, 0.8, 0.6, 0.5, 0.3, 0.2], gain: 0.7 },
        { type: 'noise', band: [80, 700], gain: 0.35 },
      ],
      rhythm: { kind: 'continuous', am: [0.3, 0.2] },
    },
    form: { form: 'box', distance: [5, 9], scale: [0.3, 0.42], relief: 0.5 },
    heat: { pattern: 'hotspot', surface: [26, 34], peak: 80, spot: [-0.7, 0.2] },
    motion: { kind: 'drive', freq: [0.15, 0.3], amp: 2.5 },
    caption: {
      nouns: ['car', 'automobile', 'sedan'],
      colours: ['red', 'silver'],
      adjectives: ['shiny', 'fast', 'parked'],
      verbs: ['driving', 'speeding', 'idling'],
      places: ['street', 'road', 'parking lot'],
      sounds: ['engine', 'motor'],
    },
  },
  {
    name: 'train',
    visual: {
      shape: 'box',
      aspect: 3.2,
      palette: [
        [20, 100, 50],
        [240, 200, 30],
      ],
      texture: 'stripes',
      textureFreq: 2,
      maxTilt: 0.05,
    },
    sound: {
      layers: [
        { type: 'noise', band: [40, 300], gain: 0.7 },
        { type: 'noise', band: [1500, 4000], gain: 0.3 },
      ],
      rhythm: { kind: 'pulses', rate: [1.8, 2.6], attack: 0.005, decay: 0.08, jitter: 0.02 },
    },
    form: { form: 'box', distance: [14, 28], scale: [0.38, 0.46], relief: 0.3 },
    heat: { pattern: 'stripes', surface: [24, 32], peak: 55, spot: [0, 0.7] },
    motion: { kind: 'rail', freq: [1.8, 2.6], amp: 0.0005 },
    caption: {
      nouns: ['train', 'locomotive', 'railway engine'],
      colours: ['green', 'yellow'],
      adjectives: ['long', 'heavy', 'old'],
      verbs: ['rolling', 'arriving', 'passing'],
      places: ['station', 'track', 'countryside'],
      sounds: ['rumbling', 'clattering'],
    },
  },
  {
    name: 'helicopter',
    visual: {
      shape: 'cross',
      aspect: 1.7,
      palette: [
        [245, 205, 20],
        [30, 30, 30],
      ],
      texture: 'checks',
      textureFreq: 2,
      maxTilt: 0.25,
    },
    sound: {
      layers: [
        { type: 'noise', band: [60, 500], gain: 0.9 },
        { type: 'tone', f0: [90, 120], ratios: [1, 2, 3], amps: [1, 0.5, 0.3], gain: 0.3 },
      ],
      rhythm: { kind: 'continuous', am: [17, 0.85] },
    },
    form: { form: 'cylinder', distance: [20, 45], scale: [0.2, 0.32], relief: 0.6 },
    heat: { pattern: 'hotspot', surface: [20, 30], peak: 95, spot: [0.1, -0.6] },
    motion: { kind: 'hover', freq: [15, 20], amp: 0.00013 },
    caption: {
      nouns: ['helicopter', 'chopper', 'rotorcraft'],
      colours: ['yellow', 'black'],
      adjectives: ['loud', 'hovering', 'rescue'],
      verbs: ['hovering', 'flying', 'landing'],
      places: ['sky', 'helipad', 'city'],
      sounds: ['whirring', 'thumping rotor'],
    },
  },
  {
    name: 'drum',
    visual: {
      shape: 'box',
      aspect: 1.1,
      palette: [
        [210, 20, 80],
        [245, 245, 240],
      ],
      texture: 'checks',
      textureFreq: 3,
      maxTilt: 0.1,
    },
    sound: {
      layers: [
        { type: 'tone', f0: [70, 110], ratios: [1, 1.6, 2.3], amps: [1, 0.4, 0.2], glide: -0.3, gain: 1 },
        { type: 'noise', band: [200, 3000], gain: 0.35 },
      ],
      rhythm: { kind: 'pulses', rate: [2, 3.2], attack: 0.002, decay: 0.15, jitter: 0.03 },
    },
    form: { form: 'cylinder', distance: [1.2, 2.5], scale: [0.2, 0.3], relief: 0.9 },
    heat: { pattern: 'uniform', surface: [1.5, 3.5], relative: true, peak: 4, spot: [0, 0] },
    motion: { kind: 'hits', freq: [2, 3.2], amp: 0.0004 },
    caption: {
      nouns: ['drum', 'snare drum', 'tom drum'],
      colours: ['crimson', 'white'],
      adjectives: ['round', 'loud', 'wooden'],
      verbs: ['being played', 'booming', 'beating'],
      places: ['stage', 'studio', 'concert hall'],
      sounds: ['drumming', 'beat'],
    },
  },
  {
    name: 'violin',
    visual: {
      shape: 'capsule',
      aspect: 0.45,
      palette: [
        [150, 70, 20],
        [25, 15, 10],
      ],
      texture: 'noise',
      textureFreq: 6,
      maxTilt: 0.5,
    },
    sound: {
      layers: [
        {
          type: 'tone',
          f0: [330, 700],
          ratios: [1, 2, 3, 4, 5, 6, 7],
          amps: [1, 0.7, 0.55, 0.4, 0.3, 0.2, 0.15],
          vibrato: [6, 0.012],
          gain: 0.7,
        },
      ],
      rhythm: { kind: 'continuous', am: [0.7, 0.5] },
    },
    form: { form: 'flat', distance: [0.7, 1.4], scale: [0.24, 0.34], relief: 0.3 },
    heat: { pattern: 'body', surface: [4, 6], relative: true, peak: 9, spot: [0, 0] },
    motion: { kind: 'bowing', freq: [0.6, 1.0], amp: 0.25 },
    caption: {
      nouns: ['violin', 'fiddle', 'string instrument'],
      colours: ['amber', 'black'],
      adjectives: ['elegant', 'polished', 'classical'],
      verbs: ['playing', 'being bowed', 'singing'],
      places: ['orchestra', 'concert hall', 'music room'],
      sounds: ['melody', 'bowing'],
    },
  },
  {
    name: 'bell',
    visual: {
      shape: 'dome',
      aspect: 1.0,
      palette: [
        [212, 175, 55],
        [120, 80, 30],
      ],
      texture: 'rings',
      textureFreq: 3,
      maxTilt: 0.35,
    },
    sound: {
      layers: [{ type: 'tone', f0: [420, 800], ratios: [1, 2.76, 5.4, 8.93], amps: [1, 0.6, 0.35, 0.2], gain: 0.9 }],
      rhythm: { kind: 'pulses', rate: [0.6, 1.0], attack: 0.003, decay: 0.8, jitter: 0.05 },
    },
    form: { form: 'cone', distance: [3, 8], scale: [0.2, 0.3], relief: 0.8 },
    heat: { pattern: 'uniform', surface: [-8, -5], relative: true, peak: -5, spot: [0, 0] },
    motion: { kind: 'swing', freq: [0.5, 0.8], amp: 0.5 },
    caption: {
      nouns: ['bell', 'church bell', 'brass bell'],
      colours: ['golden', 'bronze'],
      adjectives: ['heavy', 'ringing', 'ancient'],
      verbs: ['ringing', 'swinging', 'tolling'],
      places: ['tower', 'church', 'belfry'],
      sounds: ['ringing', 'chime'],
    },
  },
  {
    name: 'fountain',
    visual: {
      shape: 'star',
      aspect: 1.0,
      palette: [
        [120, 190, 240],
        [235, 245, 255],
      ],
      texture: 'noise',
      textureFreq: 8,
      maxTilt: 0.05,
    },
    sound: {
      layers: [
        { type: 'noise', band: [1200, 6500], gain: 0.9 },
        { type: 'noise', band: [150, 600], gain: 0.2 },
      ],
      rhythm: { kind: 'continuous', am: [3, 0.15] },
    },
    form: { form: 'pyramid', distance: [4, 9], scale: [0.26, 0.38], relief: 0.6 },
    heat: { pattern: 'uniform', surface: [-14, -10], relative: true, peak: -10, spot: [0, 0] },
    motion: { kind: 'turbulence', freq: [4, 12], amp: 0.00004 },
    caption: {
      nouns: ['fountain', 'water fountain', 'spring'],
      colours: ['light blue', 'white'],
      adjectives: ['splashing', 'cool', 'sparkling'],
      verbs: ['splashing', 'spraying', 'flowing'],
      places: ['plaza', 'park', 'courtyard'],
      sounds: ['splashing water', 'gurgling'],
    },
  },
  {
    name: 'campfire',
    visual: {
      shape: 'triangle',
      aspect: 0.9,
      palette: [
        [255, 110, 0],
        [255, 230, 60],
      ],
      texture: 'noise',
      textureFreq: 4,
      maxTilt: 0.05,
    },
    sound: {
      layers: [
        { type: 'noise', band: [2000, 7000], gain: 0.9 },
        { type: 'noise', band: [60, 300], gain: 0.3 },
      ],
      rhythm: { kind: 'pulses', rate: [8, 14], attack: 0.001, decay: 0.01, jitter: 0.9 },
    },
    form: { form: 'cone', distance: [2, 4], scale: [0.2, 0.3], relief: 0.5 },
    heat: { pattern: 'flame', surface: [150, 300], peak: 600, spot: [0, 0.6] },
    motion: { kind: 'flicker', freq: [0.2, 0.5], amp: 0.002 },
    caption: {
      nouns: ['campfire', 'bonfire', 'fire'],
      colours: ['orange', 'yellow'],
      adjectives: ['blazing', 'warm', 'smoky'],
      verbs: ['burning', 'crackling', 'glowing'],
      places: ['campsite', 'beach', 'forest'],
      sounds: ['crackling', 'popping'],
    },
  },
  {
    name: 'clock',
    visual: {
      shape: 'ring',
      aspect: 1.0,
      palette: [
        [250, 250, 250],
        [20, 20, 20],
      ],
      texture: 'rings',
      textureFreq: 2,
      maxTilt: 0.2,
    },
    sound: {
      layers: [
        { type: 'noise', band: [3000, 7000], gain: 0.8 },
        { type: 'tone', f0: [1800, 2400], ratios: [1, 1.5], amps: [1, 0.5], gain: 0.5 },
      ],
      rhythm: { kind: 'pulses', rate: [1.0, 2.0], attack: 0.001, decay: 0.012, jitter: 0.0 },
    },
    form: { form: 'torus', distance: [1.5, 3], scale: [0.18, 0.26], relief: 0.35 },
    heat: { pattern: 'ring', surface: [-0.5, 0.5], relative: true, peak: 8, spot: [0, 0] },
    motion: { kind: 'tick', freq: [1.0, 2.0], amp: 0.000015 },
    caption: {
      nouns: ['clock', 'wall clock', 'timepiece'],
      colours: ['white', 'black'],
      adjectives: ['round', 'ticking', 'vintage'],
      verbs: ['ticking', 'hanging', 'keeping time'],
      places: ['wall', 'living room', 'office'],
      sounds: ['ticking', 'tick tock'],
    },
  },
  {
    name: 'frog',
    visual: {
      shape: 'ellipse',
      aspect: 1.25,
      palette: [
        [60, 170, 50],
        [20, 70, 20],
      ],
      texture: 'spots',
      textureFreq: 4,
      maxTilt: 0.3,
    },
    sound: {
      layers: [
        {
          type: 'tone',
          f0: [110, 190],
          ratios: [1, 2, 3, 5],
          amps: [1, 0.7, 0.5, 0.3],
          vibrato: [28, 0.08],
          gain: 0.9,
        },
      ],
      rhythm: { kind: 'pulses', rate: [1.0, 1.6], attack: 0.03, decay: 0.25, jitter: 0.15 },
    },
    form: { form: 'sphere', distance: [0.5, 1.2], scale: [0.14, 0.22], relief: 0.6 },
    heat: { pattern: 'body', surface: [-3, -1.5], relative: true, peak: -1, spot: [0, 0] },
    motion: { kind: 'jump', freq: [0.5, 0.8], amp: 0.15 },
    caption: {
      nouns: ['frog', 'toad', 'tree frog'],
      colours: ['green', 'dark green'],
      adjectives: ['slimy', 'spotted', 'small'],
      verbs: ['croaking', 'jumping', 'sitting'],
      places: ['pond', 'swamp', 'lily pad'],
      sounds: ['croaking', 'ribbit'],
    },
  },
  {
    name: 'bee',
    visual: {
      shape: 'ellipse',
      aspect: 1.7,
      palette: [
        [250, 200, 10],
        [15, 15, 15],
      ],
      texture: 'stripes',
      textureFreq: 3,
      maxTilt: 0.7,
    },
    sound: {
      layers: [
        {
          type: 'tone',
          f0: [190, 250],
          ratios: [1, 2, 3, 4, 5, 6, 7, 8],
          amps: [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3],
          vibrato: [3, 0.03],
          gain: 0.6,
        },
      ],
      rhythm: { kind: 'continuous', am: [1.3, 0.4] },
    },
    form: { form: 'sphere', distance: [0.25, 0.6], scale: [0.1, 0.16], relief: 1.0 },
    heat: { pattern: 'body', surface: [29, 33], peak: 38, spot: [-0.2, 0] },
    motion: { kind: 'buzz', freq: [110, 140], amp: 0.0000065 },
    caption: {
      nouns: ['bee', 'honeybee', 'bumblebee'],
      colours: ['yellow', 'black'],
      adjectives: ['buzzing', 'busy', 'fuzzy'],
      verbs: ['buzzing', 'flying', 'hovering'],
      places: ['flower', 'meadow', 'hive'],
      sounds: ['buzzing', 'humming'],
    },
  },
  {
    name: 'motorcycle',
    visual: {
      shape: 'capsule',
      aspect: 2.1,
      palette: [
        [30, 40, 120],
        [200, 200, 210],
      ],
      texture: 'checks',
      textureFreq: 2,
      maxTilt: 0.35,
    },
    sound: {
      layers: [
        { type: 'tone', f0: [90, 150], ratios: [1, 1.5, 2, 3, 4], amps: [1, 0.7, 0.6, 0.4, 0.3], gain: 0.7 },
        { type: 'noise', band: [300, 2500], gain: 0.35 },
      ],
      rhythm: { kind: 'continuous', am: [11, 0.5] },
    },
    form: { form: 'cylinder', distance: [3, 6], scale: [0.24, 0.34], relief: 0.4 },
    heat: { pattern: 'hotspot', surface: [28, 36], peak: 110, spot: [0.2, 0.7] },
    motion: { kind: 'engine', freq: [35, 50], amp: 0.00003 },
    caption: {
      nouns: ['motorcycle', 'motorbike', 'scooter'],
      colours: ['dark blue', 'chrome'],
      adjectives: ['noisy', 'sporty', 'fast'],
      verbs: ['revving', 'racing', 'riding'],
      places: ['highway', 'street', 'racetrack'],
      sounds: ['revving engine', 'roaring'],
    },
  },
  {
    name: 'washing machine',
    visual: {
      shape: 'box',
      aspect: 0.9,
      palette: [
        [235, 235, 230],
        [110, 120, 140],
      ],
      texture: 'porthole',
      textureFreq: 1,
      maxTilt: 0.05,
    },
    sound: {
      layers: [
        { type: 'tone', f0: [48, 60], ratios: [1, 2, 3], amps: [1, 0.6, 0.4], gain: 0.6 },
        { type: 'noise', band: [200, 1200], gain: 0.5 },
      ],
      rhythm: { kind: 'continuous', am: [0.8, 0.7] },
    },
    form: { form: 'box', distance: [1.5, 3], scale: [0.28, 0.38], relief: 0.4 },
    heat: { pattern: 'ring', surface: [27, 32], peak: 45, spot: [0, 0] },
    motion: { kind: 'spin', freq: [8, 13], amp: 0.001 },
    caption: {
      nouns: ['washing machine', 'washer', 'laundry machine'],
      colours: ['white', 'grey'],
      adjectives: ['humming', 'spinning', 'boxy'],
      verbs: ['spinning', 'washing', 'rumbling'],
      places: ['laundry room', 'basement', 'bathroom'],
      sounds: ['spinning drum', 'humming'],
    },
  },
];

export const CLASSES: readonly ClassSpec[] = ENTRIES.map((e, id) => ({ id, ...e }));
export const NUM_CLASSES = CLASSES.length;
export const CLASS_NAMES: readonly string[] = CLASSES.map((c) => c.name);

export function classById(id: number): ClassSpec {
  const c = CLASSES[id];
  if (!c) throw new RangeError(`class id ${id} is outside 0..${NUM_CLASSES - 1}`);
  return c;
}
