// The error of a checkpoint that cannot be read or written; the CLI reports it as one line.
export class CheckpointError extends Error {}

/** Weights that are NaN or infinite: never written as a checkpoint. */
export class NonFiniteWeightsError extends CheckpointError {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}
