// The conformance report for people (the `pretty` reporter): a line per check while the run goes
// (on stderr), then each failure with its expectation, request and differences, and the counts.

import { compactJson, type CheckFailure, type CheckResult, type ConformanceReport } from './report.js';

const MARKS: Record<CheckResult['status'], string> = { passed: '✓', failed: '✗', skipped: '-' };

/** A check's full name: `reference sparql/select › the owner asks`. */
export function checkTitle(check: Pick<CheckResult, 'suite' | 'scenario' | 'name'>): string {
  return `${check.suite} ${check.scenario} › ${check.name}`;
}

/** The progress line of one finished check. */
export function formatCheckLine(check: CheckResult): string {
  const reason = check.status === 'skipped' && check.reason ? ` (skipped: ${check.reason})` : '';
  return `${MARKS[check.status]} ${checkTitle(check)}${check.status === 'passed' ? ` ${check.durationMs} ms` : ''}${reason}`;
}

const indent = (text: string, by: string): string => text.split('\n').join(`\n${by}`);

/** A failure as indented lines: expected, request, got, difference. */
export function formatFailure(failure: CheckFailure, pad = '    '): string {
  const lines = [`${pad}expected    ${failure.expectation}`];
  if (failure.request) {
    const r = failure.request;
    lines.push(`${pad}request     ${r.method} ${r.url} as ${r.as}`);
    if (r.body) lines.push(`${pad}            ${indent(r.body.length > 500 ? `${r.body.slice(0, 500)}…` : r.body, `${pad}            `)}`);
  }
  if (failure.response) {
    const body = failure.response.body.length > 500 ? `${failure.response.body.slice(0, 500)}…` : failure.response.body;
    lines.push(`${pad}got         ${failure.response.status || 'no answer'} ${indent(body, `${pad}            `)}`);
  }
  lines.push(`${pad}difference`);
  for (const d of failure.differences) lines.push(`${pad}  ${d.path}: expected ${compactJson(d.expected)}, got ${compactJson(d.got)}`);
  return lines.join('\n');
}

/** The summary: `212 passed, 1 failed, 3 skipped in 48.2 s against http://...`. */
export function formatCounts(report: ConformanceReport): string {
  return `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped in ${(report.durationMs / 1000).toFixed(1)} s against ${report.server}${report.embedded ? ' (embedded)' : ''}`;
}

/** The end of a pretty run: every failure in full, then the counts. */
export function formatPretty(report: ConformanceReport): string {
  const failed = report.checks.filter((c) => c.status === 'failed');
  const blocks = failed.map((c) => `✗ ${checkTitle(c)}\n${c.failure ? formatFailure(c.failure) : ''}`);
  return [...(blocks.length > 0 ? [`${failed.length} failed:`, ...blocks, ''] : []), formatCounts(report)].join('\n');
}
