// Errors about the user's data (files, vocabularies, corpus sizes): the message is written
// for the user, and the CLI prints it without a stack trace.
export class DataError extends Error {
  override name = 'DataError';
}
