// The reporters `conformance --reporter` offers, by name: each turns a finished report into text.

import type { ConformanceReport } from './report.js';
import { formatJunit } from './report-junit.js';
import { formatTap } from './report-tap.js';
import { formatPretty } from './report-text.js';

export const REPORTERS = {
  pretty: formatPretty,
  tap: formatTap,
  junit: formatJunit,
  json: (report: ConformanceReport) => `${JSON.stringify(report, null, 2)}\n`,
} as const satisfies Record<string, (report: ConformanceReport) => string>;

export type ReporterName = keyof typeof REPORTERS;
