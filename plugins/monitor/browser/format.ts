// How the monitor writes its figures for people: sizes in binary units, durations from seconds
// to days, percentages and milliseconds with sensible precision, and a dash for what is unknown.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
export function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** `93784` → `1d 2h 3m`; under a minute, seconds. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

/** `12.345` → `12.3%`. */
export function percent(n: number): string {
  return `${n.toFixed(1)}%`;
}

/** A latency: `0.0421` → `0.04 ms`, `12.3` → `12 ms`, null → `–`. */
export function ms(n: number | null): string {
  if (n === null) return '–';
  return `${n < 1 ? n.toFixed(2) : n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
}
