// The conformance report as JUnit XML, the format CI systems show: a <testsuite> per suite and
// scenario group, a <testcase> per check, failures with the expectation as message and the
// request and differences as text.

import type { CheckResult, ConformanceReport } from './report.js';
import { formatFailure } from './report-text.js';

/** Text for XML content and attributes, without the characters XML 1.0 cannot hold at all. */
export function xmlEscape(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '�')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function testcase(check: CheckResult): string {
  const open = `    <testcase classname="${xmlEscape(`${check.suite}.${check.scenario}`)}" name="${xmlEscape(check.name)}" time="${seconds(check.durationMs)}"`;
  if (check.status === 'passed') return `${open}/>`;
  if (check.status === 'skipped') return `${open}>\n      <skipped message="${xmlEscape(check.reason ?? '')}"/>\n    </testcase>`;
  const failure = check.failure;
  const message = failure?.expectation ?? 'failed';
  return `${open}>\n      <failure message="${xmlEscape(message)}" type="expectation">${xmlEscape(failure ? formatFailure(failure, '') : '')}</failure>\n    </testcase>`;
}

/** The whole report as JUnit XML. */
export function formatJunit(report: ConformanceReport): string {
  const groups = new Map<string, CheckResult[]>();
  for (const check of report.checks) {
    const key = `${check.suite} ${check.scenario.split('/')[0]}`;
    groups.set(key, [...(groups.get(key) ?? []), check]);
  }
  const suites = [...groups].map(([name, checks]) => {
    const count = (s: CheckResult['status']) => checks.filter((c) => c.status === s).length;
    const time = checks.reduce((t, c) => t + c.durationMs, 0);
    return [
      `  <testsuite name="${xmlEscape(name)}" tests="${checks.length}" failures="${count('failed')}" errors="0" skipped="${count('skipped')}" time="${seconds(time)}">`,
      ...checks.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="atomic-plugin conformance" tests="${report.checks.length}" failures="${report.failed}" errors="0" skipped="${report.skipped}" time="${seconds(report.durationMs)}" timestamp="${xmlEscape(report.startedAt)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
