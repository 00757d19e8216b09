/**
 * Scene → one English caption: a template filled with class synonyms, the instance's colour and
 * size words, a verb and a place; sometimes a distractor is named too. The primary class is always
 * named by one of its nouns, so text retrieval is well posed.
 */
import type { Rng } from '../../core/random.ts';
import { classById } from './classes.ts';
import { pick } from './rand.ts';
import { primaryOf, type Scene, type SceneObject } from './scene.ts';

type Slots = Record<'noun' | 'colour' | 'colour2' | 'adj' | 'size' | 'verb' | 'place' | 'sound' | 'nouns', string>;

const TEMPLATES: readonly ((s: Slots) => string)[] = [
  (s) => `a ${s.colour} ${s.noun} ${s.verb} in the ${s.place}`,
  (s) => `a photo of a ${s.adj} ${s.noun}`,
  (s) => `the sound of a ${s.noun}`,
  (s) => `${s.sound} from a ${s.noun} in the ${s.place}`,
  (s) => `close-up of a ${s.colour} and ${s.colour2} ${s.noun}`,
  (s) => `a ${s.size} ${s.colour} ${s.noun}`,
  (s) => `there is a ${s.noun} ${s.verb} near the ${s.place}`,
  (s) => `${s.nouns} like this one are often ${s.verb}`,
  (s) => `a ${s.adj} ${s.noun}, ${s.sound}`,
];

export function plural(noun: string): string {
  if (/(s|sh|ch|x)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

function sizeWord(o: SceneObject): string {
  const [lo, hi] = classById(o.classId).form.scale;
  const r = (o.radius - lo) / Math.max(1e-6, hi - lo);
  return r < 0.33 ? 'small' : r > 0.8 ? 'large' : 'medium-sized';
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

export function captionScene(scene: Scene, rng: Rng): string {
  const o = primaryOf(scene);
  const c = classById(o.classId).caption;
  const colourIdx = rng.next() < 0.75 ? 0 : 1;
  const noun = pick(rng, c.nouns);
  const slots: Slots = {
    noun,
    nouns: plural(noun),
    colour: c.colours[colourIdx],
    colour2: c.colours[1 - colourIdx],
    adj: pick(rng, c.adjectives),
    size: sizeWord(o),
    verb: pick(rng, c.verbs),
    place: pick(rng, c.places),
    sound: pick(rng, c.sounds),
  };
  let text = pick(rng, TEMPLATES)(slots);
  const others = scene.objects.slice(0, -1);
  if (others.length > 0 && rng.next() < 0.4) {
    const d = classById(pick(rng, others).classId).caption;
    text += rng.next() < 0.5 ? ` next to a ${pick(rng, d.nouns)}` : ` with a ${pick(rng, d.nouns)} in the background`;
  }
  // Fix "a" before vowels after filling, since slots decide the following word.
  return text.replace(/\ba (?=\w)/g, (m, off: number) => `${article(text.slice(off + 2))} `);
}
