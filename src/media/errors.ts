/** Why a file could not be used or kept. Each code has a message a person can act on. */
export type MediaErrorCode = 'empty' | 'unsupported' | 'corrupt' | 'too-large' | 'quota' | 'storage';

export class MediaError extends Error {
  override name = 'MediaError';
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    readonly fileName?: string,
  ) {
    super(fileName ? `${fileName}: ${message}` : message);
  }
}

/** The message of anything thrown (an Error, an error-like object, or another value), for a line a person reads. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
