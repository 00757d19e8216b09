/**
 * The modalities an item can be stored under (core/modalities.ts). This is wider than the encoder
 * list: 'video' items are embedded by the vision encoder but kept apart so that a search can ask
 * for clips only.
 */
import { type InputKind, isInputKind } from '../core/modalities.ts';

export { STORE_MODALITIES, encoderFor } from '../core/modalities.ts';
export type StoreModality = InputKind;

export function isStoreModality(s: string): s is StoreModality {
  return isInputKind(s);
}
