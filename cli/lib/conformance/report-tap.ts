// The conformance report as TAP version 14: one test point per check, a YAML block with the
// expectation, request and differences for each failure, skips as `# SKIP`.

import type { CheckResult, ConformanceReport } from './report.js';
import { checkTitle } from './report-text.js';

/** A YAML scalar that is safe whatever the text holds: JSON strings are valid YAML. */
const scalar = (value: unknown): string => JSON.stringify(value === undefined ? null : value);

function diagnostics(check: CheckResult): string[] {
  const failure = check.failure;
  if (!failure) return [];
  const lines = ['  ---', `  expectation: ${scalar(failure.expectation)}`];
  if (failure.request) lines.push(`  request: ${scalar(`${failure.request.method} ${failure.request.url} as ${failure.request.as}`)}`);
  if (failure.request?.body) lines.push(`  requestBody: ${scalar(failure.request.body)}`);
  if (failure.response) lines.push(`  status: ${failure.response.status}`, `  response: ${scalar(failure.response.body)}`);
  lines.push('  differences:');
  for (const d of failure.differences) lines.push(`    - path: ${scalar(d.path)}`, `      expected: ${scalar(d.expected)}`, `      got: ${scalar(d.got)}`);
  lines.push('  ...');
  return lines;
}

/** The whole report as TAP. */
export function formatTap(report: ConformanceReport): string {
  const lines = ['TAP version 14', `1..${report.checks.length}`];
  report.checks.forEach((check, i) => {
    // `#` starts a directive in TAP: it may not appear in a description.
    const title = checkTitle(check).replaceAll('#', '\\#');
    if (check.status === 'skipped') lines.push(`ok ${i + 1} - ${title} # SKIP ${(check.reason ?? '').replaceAll('#', '\\#')}`);
    else lines.push(`${check.status === 'passed' ? 'ok' : 'not ok'} ${i + 1} - ${title}`, ...diagnostics(check));
  });
  lines.push(`# ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  return `${lines.join('\n')}\n`;
}
