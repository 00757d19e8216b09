/** The query being composed: every input with its weight and sign, plus result filters. */
import { KINDS, type Kind, type QueryKind } from './api.ts';

export interface QueryInput {
  readonly key: number;
  kind: QueryKind;
  readonly label: string;
  readonly text?: string;
  readonly file?: Blob;
  readonly itemId?: number | string;
  /** Object URL or media URL used for the chip's preview. */
  readonly preview?: string;
  weight: number;
  negate: boolean;
}

type Listener = (reason: 'inputs' | 'weights' | 'filters') => void;

export class QueryState {
  inputs: QueryInput[] = [];
  modalities = new Set<Kind>(KINDS);
  k = 24;
  private nextKey = 1;
  private listeners: Listener[] = [];

  onChange(fn: Listener): void {
    this.listeners.push(fn);
  }

  emit(reason: 'inputs' | 'weights' | 'filters'): void {
    for (const fn of this.listeners) fn(reason);
  }

  add(
    input: Omit<QueryInput, 'key' | 'weight' | 'negate'> & Partial<Pick<QueryInput, 'weight' | 'negate'>>,
  ): QueryInput {
    const full: QueryInput = { weight: 1, negate: false, ...input, key: this.nextKey++ };
    this.inputs.push(full);
    this.emit('inputs');
    return full;
  }

  remove(key: number): void {
    const gone = this.inputs.find((i) => i.key === key);
    // Only object URLs we made are revoked; media URLs from the server stay valid.
    if (gone?.preview?.startsWith('blob:')) URL.revokeObjectURL(gone.preview);
    this.inputs = this.inputs.filter((i) => i.key !== key);
    this.emit('inputs');
  }

  clear(): void {
    for (const i of [...this.inputs]) if (i.preview?.startsWith('blob:')) URL.revokeObjectURL(i.preview);
    this.inputs = [];
    this.emit('inputs');
  }
}
