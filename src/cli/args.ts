// The command lines' shared argument parser (src/cli/*.ts, scripts/*.ts), on Node's `util.parseArgs` in strict
// mode: `--help` / `-h` prints the usage and every option with its help text and default, then exits 0; an
// unknown option, a missing value or a stray argument prints one line (`error: unknown option --foo (see --help)`)
// and exits 2. `parseCli` is the same without printing or exiting (it throws `CliError`), for tests.
import { parseArgs } from 'node:util';

export type CliOption =
  | {
      type: 'string';
      default?: string;
      help: string;
      /** the value's name in the help, e.g. `N`, `DIR` */ value?: string;
    }
  | { type: 'boolean'; default?: boolean; help: string };
export type CliOptions = Record<string, CliOption>;

/** A string option in one line: `text('DIR', 'the int8 models', 'public/models')` (the default is optional). */
export function text(value: string, help: string): { type: 'string'; value: string; help: string };
export function text(
  value: string,
  help: string,
  fallback: string,
): { type: 'string'; value: string; help: string; default: string };
export function text(value: string, help: string, fallback?: string): CliOption {
  return fallback === undefined ? { type: 'string', value, help } : { type: 'string', value, help, default: fallback };
}

/** A string option is `string` when it has a default, else `string | undefined`; a boolean is `boolean`. */
export type CliValues<O extends CliOptions> = {
  -readonly [K in keyof O]: O[K] extends { type: 'boolean' }
    ? boolean
    : O[K] extends { default: string }
      ? string
      : string | undefined;
};

export interface CliConfig {
  /** Arguments that are not options are allowed (e.g. world.ts's command); otherwise they are an error. */
  positionals?: boolean;
}

export interface CliResult<O extends CliOptions> {
  values: CliValues<O>;
  positionals: string[];
  /** `--help` or `-h` was given: the values are the defaults and nothing else was checked. */
  help: boolean;
}

export type CliErrorKind = 'unknown-option' | 'missing-value' | 'unexpected-value' | 'unexpected-argument' | 'invalid';

export class CliError extends Error {
  constructor(
    readonly kind: CliErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

type NodeOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function nodeOptions(options: CliOptions): NodeOptions {
  if (Object.hasOwn(options, 'help')) throw new Error('--help is built in; do not declare it');
  const out: NodeOptions = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(options)) out[name] = { type: o.type };
  return out;
}

function withDefaults<O extends CliOptions>(
  options: O,
  parsed: Record<string, string | boolean | undefined>,
): CliValues<O> {
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, o] of Object.entries(options))
    values[name] = parsed[name] ?? o.default ?? (o.type === 'boolean' ? false : undefined);
  return values as CliValues<O>;
}

/** The first problem in `argv`, read from parseArgs' tokens (non-strict), as one clear sentence. */
function diagnose(argv: string[], options: CliOptions, config: NodeOptions, positionals: boolean): CliError | null {
  const { tokens } = parseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'positional') {
      if (!positionals) return new CliError('unexpected-argument', `unexpected argument ${JSON.stringify(t.value)}`);
      continue;
    }
    if (t.kind !== 'option') continue;
    const known = t.name === 'help' || (t.rawName.startsWith('--') && Object.hasOwn(options, t.name));
    if (!known) return new CliError('unknown-option', `unknown option ${t.rawName}`);
    const o = config[t.name]!;
    if (o.type === 'string') {
      if (t.value === undefined) return new CliError('missing-value', `missing value for ${t.rawName}`);
      if (!t.inlineValue && t.value.length > 1 && t.value.startsWith('-')) {
        return new CliError(
          'missing-value',
          `missing value for ${t.rawName} (got ${t.value}; write ${t.rawName}=VALUE for a value starting with -)`,
        );
      }
    } else if (t.inlineValue) {
      return new CliError('unexpected-value', `${t.rawName} takes no value`);
    }
  }
  return null;
}

/** Parses `argv` (without the node and script entries); throws `CliError` on an unknown option, a missing value or a stray argument. */
export function parseCli<const O extends CliOptions>(
  argv: readonly string[],
  options: O,
  cfg: CliConfig = {},
): CliResult<O> {
  const config = nodeOptions(options);
  const args = [...argv];
  const positionals = cfg.positionals ?? false;
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) {
    return { values: withDefaults(options, {}), positionals: [], help: true };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: positionals });
  } catch (e) {
    throw (
      diagnose(args, options, config, positionals) ??
      new CliError('invalid', e instanceof Error ? e.message.split('\n')[0]! : String(e))
    );
  }
  return { values: withDefaults(options, parsed.values), positionals: parsed.positionals, help: false };
}

/** The `--help` text: the usage, then one line per option with its help and default. */
export function formatHelp(usage: string, options: CliOptions): string {
  const rows: [string, string][] = Object.entries(options).map(([name, o]) => {
    const left = o.type === 'string' ? `--${name} ${o.value ?? 'VALUE'}` : `--${name}`;
    const def =
      o.default === undefined || o.default === false
        ? ''
        : ` (default: ${o.default === '' ? '""' : String(o.default)})`;
    return [left, `${o.help}${def}`];
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([l]) => l.length));
  const lines = usage.trim().split('\n');
  return [
    `usage: ${lines[0]}`,
    ...lines.slice(1).map((l) => `       ${l}`),
    '',
    'options:',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
  ].join('\n');
}

/**
 * `parseCli` on this process's arguments: prints the help and exits 0 on `--help` / `-h`; prints
 * `error: … (see --help)` and exits 2 on a bad command line.
 */
export function cliArgs<const O extends CliOptions>(
  usage: string,
  options: O,
  cfg: CliConfig = {},
): { values: CliValues<O>; positionals: string[] } {
  try {
    const { values, positionals, help } = parseCli(process.argv.slice(2), options, cfg);
    if (help) {
      console.log(formatHelp(usage, options));
      process.exit(0);
    }
    return { values, positionals };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(`error: ${e.message} (see --help)`);
    process.exit(2);
  }
}
