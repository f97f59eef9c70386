import { describe, expect, it } from 'vitest';
import { bytes, duration, ms, percent } from './format.js';

describe('the monitor formats', () => {
  it('sizes in binary units', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(300 * 1024 * 1024)).toBe('300 MiB');
  });

  it('durations from seconds to days', () => {
    expect(duration(42.7)).toBe('42s');
    expect(duration(125)).toBe('2m 5s');
    expect(duration(3 * 3600 + 60)).toBe('3h 1m');
    expect(duration(93_784)).toBe('1d 2h 3m');
  });

  it('percentages and latencies, with a dash for unknown', () => {
    expect(percent(12.345)).toBe('12.3%');
    expect(ms(0.0421)).toBe('0.04 ms');
    expect(ms(4.26)).toBe('4.3 ms');
    expect(ms(123.4)).toBe('123 ms');
    expect(ms(null)).toBe('–');
  });
});
