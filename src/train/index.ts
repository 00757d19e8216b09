/** Training ImageBind encoders with symmetric InfoNCE (reverse-mode gradients run by onnxruntime). */
export { Trainer, type TrainOptions, type StepResult, type EvalResult } from './trainer.ts';
export {
  type TrainSetup,
  type TrainingGraph,
  buildTrainingGraph,
  buildLossGraph,
  defaultTrainable,
  inputName,
  embeddingName,
  TARGET_INPUT,
  LOSS_OUTPUT,
} from './graph.ts';
export {
  type Batch,
  type DataProvider,
  type Dataset,
  tensorDataset,
  takeRows,
  batchIndices,
  epochOrder,
  imagesToClips,
} from './data.ts';
export { computeTargets, withTargets, type TargetOptions } from './targets.ts';
export { symmetricInfoNce, l2Normalize } from './loss.ts';
export { type ParamMap, initParams, decays } from './params.ts';
export { saveModel, type SaveModelOptions } from './export.ts';
export { saveTrainState, loadTrainState, type TrainState } from './train-state.ts';
export { learningRate, type ScheduleOptions } from './schedule.ts';
export { adamwStep, clipGlobalNorm, type AdamWOptions, type AdamWState } from './adamw.ts';
export { GraphSession } from './graph-session.ts';
