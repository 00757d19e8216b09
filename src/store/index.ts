export { openStore, type OpenStoreOptions } from './open.ts';
export { VectorStore } from './store.ts';
export { SCHEMA_VERSION, type SpaceIdentity, type StoreInfo } from './schema.ts';
export { STORE_MODALITIES, type StoreModality, isStoreModality, encoderFor } from './modality.ts';
export type { VectorIndex, IndexHit, IndexQuery } from './vector-index.ts';
export { SqliteVecIndex } from './sqlite-vec-index.ts';
export { AnnIndex, type AnnOptions } from './ann-index.ts';
export type { FileState, Item, ItemInput, ListOptions, Metadata, SearchHit, SearchOptions } from './types.ts';
export {
  SEGMENTS_VERSION,
  SegmentTable,
  type Segment,
  type SegmentHit,
  type SegmentInput,
  type SegmentSearchOptions,
} from './segments.ts';
export { RERANK, VECTOR_PRECISIONS, type VectorPrecision, parseVectorPrecision } from './ann-precision.ts';
