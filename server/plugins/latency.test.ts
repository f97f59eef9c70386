import { describe, expect, it } from 'vitest';
import { LATENCY_WINDOW, LatencyWindow } from './latency.js';

describe('LatencyWindow', () => {
  it('has no percentiles before the first call', () => {
    expect(new LatencyWindow().percentiles()).toEqual({ p50: null, p95: null, p99: null });
  });

  it('answers nearest-rank percentiles', () => {
    const window = new LatencyWindow();
    for (let ms = 100; ms >= 1; ms--) window.record(ms);
    expect(window.percentiles()).toEqual({ p50: 50, p95: 95, p99: 99 });
  });

  it('keeps only the most recent calls', () => {
    const window = new LatencyWindow();
    for (let i = 0; i < LATENCY_WINDOW; i++) window.record(1000);
    for (let i = 0; i < LATENCY_WINDOW; i++) window.record(2);
    expect(window.percentiles()).toEqual({ p50: 2, p95: 2, p99: 2 });
  });
});
