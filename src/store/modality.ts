/**
 * The modalities an item can be stored under. This is wider than the encoder list: 'video' items
 * are embedded by the vision encoder but kept apart so that a search can ask for clips only.
 */
export const STORE_MODALITIES = ['vision', 'text', 'audio', 'video', 'depth', 'thermal', 'imu'] as const;
export type StoreModality = (typeof STORE_MODALITIES)[number];

export function isStoreModality(s: string): s is StoreModality {
  return (STORE_MODALITIES as readonly string[]).includes(s);
}

/** The encoder that produces a modality's vectors. */
export function encoderFor(m: StoreModality): Exclude<StoreModality, 'video'> {
  return m === 'video' ? 'vision' : m;
}
