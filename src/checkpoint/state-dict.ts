/**
 * Finds the state dict inside an unpickled checkpoint: either the top-level dict itself, or the
 * one nested dict of tensors in a wrapper such as `{"model": sd, "epoch": 3}`.
 */
import { checkpointError } from './fail.ts';
import { PyDict, TensorRef, describe, type PyValue } from './pickle-values.ts';

/** Wrapper keys in the order they win when several nested dicts hold tensors. */
const PREFERRED = ['state_dict', 'model', 'module', 'model_state_dict', 'ema'];
const MAX_DEPTH = 3;

function tensorCount(d: PyDict): number {
  let n = 0;
  for (const v of d.items.values()) if (v instanceof TensorRef) n++;
  return n;
}

/** Returns name → tensor in checkpoint order; non-tensor entries (ints, `_metadata`, ...) are skipped. */
export function findStateDict(root: PyValue, file: string): Map<string, TensorRef> {
  if (!(root instanceof PyDict)) {
    throw checkpointError(
      'CHECKPOINT_NO_STATE_DICT',
      file,
      `the pickled object is ${describe(root)}, not a dict of tensors`,
      'Save a state dict: torch.save(model.state_dict(), path).',
    );
  }
  // Breadth-first, so the shallowest dict of tensors wins; `seen` guards against memo cycles.
  const seen = new Set<PyDict>([root]);
  let level: { dict: PyDict; key: string }[] = [{ dict: root, key: '' }];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const hits = level.filter((c) => tensorCount(c.dict) > 0);
    if (hits.length > 0) {
      let pick = hits[0];
      if (hits.length > 1) {
        const preferred = PREFERRED.map((k) => hits.find((h) => h.key === k)).find((h) => h !== undefined);
        if (!preferred) {
          throw checkpointError(
            'CHECKPOINT_AMBIGUOUS',
            file,
            `several nested dicts hold tensors (${hits.map((h) => `'${h.key}'`).join(', ')})`,
            'Re-save only the model weights: torch.save(model.state_dict(), path).',
          );
        }
        pick = preferred;
      }
      const out = new Map<string, TensorRef>();
      for (const [k, v] of pick.dict.items) if (typeof k === 'string' && v instanceof TensorRef) out.set(k, v);
      return out;
    }
    const next: typeof level = [];
    for (const { dict } of level) {
      for (const [k, v] of dict.items) {
        if (v instanceof PyDict && !seen.has(v)) {
          seen.add(v);
          next.push({ dict: v, key: typeof k === 'string' ? k : String(k) });
        }
      }
    }
    level = next;
  }
  throw checkpointError(
    'CHECKPOINT_NO_STATE_DICT',
    file,
    'contains no tensors',
    'Save a state dict: torch.save(model.state_dict(), path).',
  );
}
