/**
 * parse-prometheus-text-format, an independent parser of Prometheus' text exposition format (a
 * port of the official Python client's parser), loaded when installed: a devDependency, so `npm
 * ci` brings it; tests that need it skip with a reason when it is absent.
 */
export interface ParsedSample {
  value: string;
  labels?: Record<string, string>;
  timestamp_ms?: string;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: ParsedSample[];
}

export type ExpositionParser = (text: string) => ParsedFamily[];

export async function loadExpositionParser(): Promise<ExpositionParser | null> {
  try {
    const name = 'parse-prometheus-text-format';
    const mod = (await import(name)) as { default: ExpositionParser };
    return mod.default;
  } catch {
    return null;
  }
}

export const PARSER_MISSING = 'parse-prometheus-text-format is not installed (a devDependency: run npm ci)';
