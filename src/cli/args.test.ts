import { describe, expect, test } from 'vitest';
import { CliError, formatHelp, parseCli, text } from './args';

const OPTIONS = {
  seed: { type: 'string', default: '7919', help: 'held-out seed', value: 'N' },
  out: { type: 'string', help: 'output file', value: 'FILE' },
  ship: { type: 'boolean', help: 'also write public/models' },
  'no-eval': { type: 'boolean', help: 'skip the evaluation' },
} as const;

function failure(argv: string[], positionals = false): CliError {
  try {
    parseCli(argv, OPTIONS, { positionals });
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseCli', () => {
  test('text() declares a string option in one call, with or without a default', () => {
    expect(text('DIR', 'the models')).toEqual({ type: 'string', value: 'DIR', help: 'the models' });
    const options = { models: text('DIR', 'the models', 'public/models'), out: text('FILE', 'where') };
    expect(parseCli([], options).values).toEqual({ models: 'public/models', out: undefined });
  });
  test('parses string and boolean options, separate and inline values', () => {
    const { values, positionals, help } = parseCli(
      ['--seed', '101', '--out=runs/a.json', '--ship', '--no-eval'],
      OPTIONS,
    );
    expect(help).toBe(false);
    expect(positionals).toEqual([]);
    expect(values).toEqual({ seed: '101', out: 'runs/a.json', ship: true, 'no-eval': true });
  });

  test('fills defaults: a string default, undefined without one, false for booleans', () => {
    const { values } = parseCli([], OPTIONS);
    expect(values).toEqual({ seed: '7919', out: undefined, ship: false, 'no-eval': false });
    // typed: `seed` is a string (it has a default), `out` may be undefined, `ship` is a boolean
    const seed: string = values.seed;
    const out: string | undefined = values.out;
    const ship: boolean = values.ship;
    expect([seed, out, ship]).toEqual(['7919', undefined, false]);
  });

  test('reports an unknown option', () => {
    const e = failure(['--seed', '1', '--foo']);
    expect(e.kind).toBe('unknown-option');
    expect(e.message).toBe('unknown option --foo');
    expect(failure(['-x']).message).toBe('unknown option -x');
  });

  test('reports a missing value, also when the next entry is an option', () => {
    expect(failure(['--out']).kind).toBe('missing-value');
    expect(failure(['--out']).message).toBe('missing value for --out');
    const e = failure(['--out', '--ship']);
    expect(e.kind).toBe('missing-value');
    expect(e.message).toContain('missing value for --out');
    expect(parseCli(['--out=-x'], OPTIONS).values.out).toBe('-x');
  });

  test('reports a value given to a boolean and stray arguments unless allowed', () => {
    expect(failure(['--ship=1']).kind).toBe('unexpected-value');
    expect(failure(['sheet']).message).toBe('unexpected argument "sheet"');
    expect(parseCli(['sheet', '--seed', '3'], OPTIONS, { positionals: true })).toMatchObject({
      positionals: ['sheet'],
      values: { seed: '3' },
    });
  });

  test('--help and -h win over everything else', () => {
    expect(parseCli(['--foo', '--help'], OPTIONS).help).toBe(true);
    expect(parseCli(['-h'], OPTIONS)).toMatchObject({ help: true, values: { seed: '7919', ship: false } });
    expect(() => parseCli([], { help: { type: 'boolean', help: 'x' } })).toThrow(/built in/);
  });

  test('the help lists the usage and every option with its default', () => {
    const text = formatHelp('npm run eval -- --seed N\n  [--out FILE]', OPTIONS);
    const lines = text.split('\n');
    expect(lines[0]).toBe('usage: npm run eval -- --seed N');
    expect(text).toMatch(/--seed N\s+held-out seed \(default: 7919\)/);
    expect(text).toMatch(/--out FILE\s+output file$/m);
    expect(text).toMatch(/--no-eval\s+skip the evaluation$/m);
    expect(text).toMatch(/-h, --help\s+print this help and exit/);
  });
});
