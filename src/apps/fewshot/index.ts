/** Few-shot classification over ImageBind embeddings: prototype, kNN and logistic regression. */
export { fitFewShot, parseFewShotMethod, predict, predictOne, probsByLabel } from './classifier.ts';
export {
  FEWSHOT_METHODS,
  type FewShotClassifier,
  type FewShotMethod,
  type FewShotOptions,
  type LabeledVector,
  type Prediction,
} from './types.ts';
export { detectKind, kindFromName, parseInputKind } from './detect.ts';
export { parseManifest, readManifestFile, type ManifestEntry } from './manifest.ts';
export {
  fewShot,
  type FewShotBackend,
  type FewShotExample,
  type FewShotItem,
  type FewShotItemError,
  type FewShotRequest,
  type FewShotResult,
} from './app.ts';
