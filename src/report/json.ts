import type { Report } from './report.js';

/** The report as JSON, two-space indented, keys in a fixed order: a replay gives the same bytes. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
