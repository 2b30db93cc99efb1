import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { schemasDir } from './paths.js';

/**
 * Compiles one of the schemas in schemas/, with the others registered so that `$ref`s between them
 * (report -> facts) resolve. All errors are reported; union types are allowed as the schemas use them.
 */
export function compileSchema<T>(name: string): ValidateFunction<T> {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  // The facts schema documents each fact's unit and /proc sources in these annotation keywords.
  ajv.addKeyword('x-unit').addKeyword('x-sources');
  for (const file of readdirSync(schemasDir).filter((f) => f.endsWith('.schema.json') && f !== name)) {
    ajv.addSchema(JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as object);
  }
  return ajv.compile<T>(JSON.parse(readFileSync(join(schemasDir, name), 'utf8')));
}
