import { Ajv, type ValidateFunction } from 'ajv';
import { install } from './install.js';

/**
 * Compiles one of the schemas in schemas/, with the others registered so that `$ref`s between them
 * (report -> facts) resolve. All errors are reported; union types are allowed as the schemas use them.
 * One Ajv instance serves the whole process, and each schema is compiled once: rules and
 * signatures load on every run, and compiling is most of their load time.
 */
export function compileSchema<T>(name: string): ValidateFunction<T> {
  const compiled = validators.get(name);
  if (compiled) return compiled as ValidateFunction<T>;
  const ajv = registry();
  const validate = ajv.compile<T>(schemaObject(name));
  validators.set(name, validate);
  return validate;
}

const validators = new Map<string, ValidateFunction>();
const schemas = new Map<string, object>();
let ajvInstance: Ajv | undefined;

/** One of schemas/*.schema.json, parsed once per process (the facts schema alone is read by the validator, the fact catalog and rule tests). Read-only. */
export function schemaObject(name: string): object {
  let schema = schemas.get(name);
  if (!schema) {
    schema = JSON.parse(install.schemaText(name)) as object;
    schemas.set(name, schema);
  }
  return schema;
}

function registry(): Ajv {
  if (ajvInstance) return ajvInstance;
  // Compiled at every start: the schemas are checked against the JSON Schema meta-schema by the
  // tests (test/schemas.test.ts), not here, and unoptimised code validates the same in half the time.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, validateSchema: false, code: { optimize: false } });
  // The facts schema documents each fact's unit and /proc sources in these annotation keywords.
  ajv.addKeyword('x-unit').addKeyword('x-sources');
  for (const file of install.schemaNames()) ajv.addSchema(schemaObject(file));
  ajvInstance = ajv;
  return ajv;
}
