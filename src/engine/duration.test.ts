import { describe, expect, test } from 'vitest';
import { formatDuration } from './duration';

describe('formatDuration', () => {
  test('seconds, minutes, hours; never "60 s"', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(119.6)).toBe('2 min 0 s');
    expect(formatDuration(3725)).toBe('1 h 2 min');
    expect(formatDuration(-3)).toBe('0 s');
  });
  test('ceil for a time left; compact for a terminal line', () => {
    expect(formatDuration(0.2, { ceil: true })).toBe('1 s');
    expect(formatDuration(59.1, { ceil: true })).toBe('1 min 0 s');
    expect(formatDuration(5, { compact: true })).toBe('5s');
    expect(formatDuration(185, { compact: true })).toBe('3m05s');
    expect(formatDuration(7325, { compact: true })).toBe('2h02m');
  });
});
