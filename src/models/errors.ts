// Named errors of the models layer. Each carries the thing a caller needs to act on it:
// ConfigError the offending config key, WeightsError a machine-readable reason code.

/** A model config (or preset override) is invalid; `key` names the offending field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`config.${key}: ${message}`);
  }
}

/** An input does not fit the model (too long, wrong size, bad id). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export type WeightsErrorReason =
  | 'no-handler' // a URL string that no tf.io router understands
  | 'bad-manifest' // JSON missing / not ours / malformed fields
  | 'unsupported-version' // manifest format version this code cannot read
  | 'wrong-model' // manifest is for another model kind
  | 'config-mismatch' // loading into a model built with a different config
  | 'shape-mismatch' // a tensor's shape differs from the model's variable
  | 'missing-tensor' // the model has a variable the file does not
  | 'unexpected-tensor' // the file has a tensor the model does not
  | 'truncated' // payload shorter than the manifest says
  | 'hash-mismatch' // SHA-256 of the payload differs from the manifest
  | 'non-finite' // a tensor holds NaN or ±Infinity (a hash proves the bytes, not that they are numbers a model can run on)
  | 'save-failed'; // the handler reported an error or no result

/** Saving or loading weights failed; nothing was changed in the target model. */
export class WeightsError extends Error {
  override readonly name = 'WeightsError';
  constructor(
    readonly reason: WeightsErrorReason,
    message: string,
  ) {
    super(`[${reason}] ${message}`);
  }
}

/** Throw ConfigError unless config[key] is an integer in [min, max]. */
export function checkInt(config: object, key: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  const value = (config as Record<string, unknown>)[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Throw ConfigError unless `condition` holds. */
export function checkThat(condition: boolean, key: string, message: string): void {
  if (!condition) throw new ConfigError(key, message);
}

/** The checks every transformer config here shares (vocabulary, width, depth, heads, patching, init seed). */
export function checkTransformerConfig(config: {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  mlpRatio: number;
  maxLen: number;
  patch: number;
  lnEps: number;
  seed: number;
}): void {
  checkInt(config, 'vocabSize', 2);
  checkInt(config, 'dModel', 8, 1024);
  checkInt(config, 'nLayers', 1, 24);
  checkInt(config, 'nHeads', 1, 64);
  checkThat(config.dModel % config.nHeads === 0, 'nHeads', `must divide dModel ${config.dModel}`);
  checkInt(config, 'mlpRatio', 1, 8);
  checkInt(config, 'maxLen', 8, 4096);
  checkInt(config, 'patch', 1, 64);
  checkThat(typeof config.lnEps === 'number' && config.lnEps > 0, 'lnEps', 'must be > 0');
  checkInt(config, 'seed', 0, 2 ** 32 - 1);
}
