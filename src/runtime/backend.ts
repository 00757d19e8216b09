/**
 * The Node backend: `onnxruntime-node` sessions over a model file (external weights beside it) or
 * in-memory bytes. The browser's counterpart is backend-web.ts; both return session.ts's interface.
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { ConfigError } from '../core/errors.ts';
import { type BackendSession, type OrtTensorConstructor, type SessionOptions, wrapOrtSession } from './session.ts';

export type { BackendSession, SessionOptions } from './session.ts';

export async function createSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<BackendSession> {
  const threads = opts.threads ?? availableParallelism();
  const where = typeof model === 'string' ? model : '<in-memory graph>';
  let session: ort.InferenceSession;
  try {
    const options: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      enableCpuMemArena: true,
      enableMemPattern: true,
      ...(opts.optimizedModelPath ? { optimizedModelFilePath: opts.optimizedModelPath } : {}),
    };
    session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  } catch (e) {
    throw new ConfigError('MODEL_LOAD_FAILED', `${where}: onnxruntime could not load the graph (${(e as Error).message}). Re-create the model directory with \`imagebind convert\`.`, { cause: e });
  }
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorConstructor);
}
