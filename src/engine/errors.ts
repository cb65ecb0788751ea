/** Thrown when no tfjs backend can be initialised; the message lists each backend and why it failed. */
export class NoBackendError extends Error {
  override name = 'NoBackendError';
}
