import { readFileSync, statSync } from 'node:fs';
import yaml from 'js-yaml';
import type { ErrorObject } from 'ajv';

/** Rule files are small; anything larger is a mistake or an attack, not a rule set. */
export const MAX_RULE_FILE_BYTES = 256 * 1024;

export type YamlRead = { ok: true; data: unknown } | { ok: false; errors: string[] };

/**
 * Reads one YAML document with the core schema only: no custom tags, so no YAML file can
 * construct code or objects beyond plain data. Errors are `file:line:column: message`.
 */
export function readYamlFile(file: string): YamlRead {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_RULE_FILE_BYTES) {
      return { ok: false, errors: [`${file}: ${size} bytes is over the ${MAX_RULE_FILE_BYTES}-byte limit for a rule file`] };
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${file}: cannot read: ${(err as Error).message}`] };
  }
  try {
    return { ok: true, data: yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA }) };
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const mark = err.mark as { line: number; column: number } | undefined;
      const where = mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file;
      return { ok: false, errors: [`${where}: ${err.reason}`] };
    }
    throw err;
  }
}

/** Ajv's errors as `file: /json/path: message` lines. */
export function schemaErrors(file: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = e.instancePath === '' ? '(top level)' : e.instancePath;
    const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params['additionalProperty'])}'` : '';
    const allowed = e.keyword === 'enum' ? `: ${(e.params['allowedValues'] as unknown[]).join(', ')}` : '';
    return `${file}: ${at}: ${e.message ?? 'invalid'}${extra}${allowed}`;
  });
}
