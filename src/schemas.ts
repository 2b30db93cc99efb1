import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { schemasDir } from './paths.js';

/** Compiles one of the schemas in schemas/ (all errors reported, union types allowed as the schemas use them). */
export function compileSchema<T>(name: string): ValidateFunction<T> {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  return ajv.compile<T>(JSON.parse(readFileSync(join(schemasDir, name), 'utf8')));
}
