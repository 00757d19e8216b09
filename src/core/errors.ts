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
