/**
 * One error family for the whole project. Every error has a stable `code` (for the CLI's exit
 * message and the server's HTTP mapping) and a message that says what went wrong, where, and
 * what to do about it.
 */
export class ImageBindError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A `.pth`, `.safetensors` or zip container that cannot be read or is not allowed. */
export class CheckpointError extends ImageBindError {}
/** A model config or model directory that is inconsistent or incomplete. */
export class ConfigError extends ImageBindError {}
/** An input file (image, audio, video, depth, thermal, IMU, `.npy`) that cannot be decoded. */
export class MediaError extends ImageBindError {}
/** A tensor whose shape or dtype does not fit where it is used. */
export class ShapeError extends ImageBindError {}
/** The vector store refused or failed an operation. */
export class StoreError extends ImageBindError {}
/** A request the HTTP server cannot serve. */
export class ServerError extends ImageBindError {}
/** A training run that cannot proceed (empty data, non-finite loss, ...). */
export class TrainingError extends ImageBindError {}
/** Distributed indexing: a queue that cannot be reached, a worker of another model space, a job that cannot be served. */
export class QueueError extends ImageBindError {}
/** A download that failed, was cut off, or does not match what was expected (size, sha256), or a full disk. */
export class DownloadError extends ImageBindError {}
/** Image generation that cannot run: bad sampling settings, a missing or mismatched decoder. */
export class GenerationError extends ImageBindError {}

/**
 * An error as it crosses a thread boundary (worker threads' structured clone keeps a thrown
 * error's message but not its class or `code`). `name` is the ImageBindError class, or absent for
 * any other error.
 */
export interface WireError {
  readonly name?: string;
  readonly code?: string;
  readonly message: string;
}

/** Every class above by name, subclasses before ImageBindError, so a subclass defined elsewhere travels as its nearest one here. */
const WIRE_CLASSES: Readonly<Record<string, new (code: string, message: string) => ImageBindError>> = {
  CheckpointError,
  ConfigError,
  MediaError,
  ShapeError,
  StoreError,
  ServerError,
  TrainingError,
  DownloadError,
  GenerationError,
  QueueError,
  ImageBindError,
};

/** The wire form of anything thrown: ImageBindErrors keep their class, code and message; others only their message. */
export function errorToWire(e: unknown): WireError {
  if (e instanceof ImageBindError) {
    const name = Object.keys(WIRE_CLASSES).find((n) => e instanceof WIRE_CLASSES[n]!)!;
    return { name, code: e.code, message: e.message };
  }
  return { message: e instanceof Error ? e.message : String(e) };
}

/** Rebuilds an error sent with errorToWire: the same ImageBindError class and code, else a plain Error with the message. */
export function errorFromWire(w: WireError): Error {
  const cls =
    w.name !== undefined && w.code !== undefined && Object.hasOwn(WIRE_CLASSES, w.name)
      ? WIRE_CLASSES[w.name]
      : undefined;
  return cls ? new cls(w.code!, w.message) : new Error(w.message);
}
