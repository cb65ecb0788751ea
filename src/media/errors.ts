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
