import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError } from '../../src/parsers/parse-error.js';

/** A table-driven case: the parser's result, or the exact ParseError message it must throw. */
export type Case<T> = { name: string; input: string; want: T } | { name: string; input: string; wantError: string };

export function table<T>(title: string, cases: Array<Case<T>>, parse: (input: string) => T): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, () => {
        if ('want' in c) {
          assert.deepStrictEqual(parse(c.input), c.want);
          return;
        }
        let error: unknown;
        try {
          parse(c.input);
        } catch (err) {
          error = err;
        }
        assert.ok(error instanceof ParseError, `expected a ParseError, got ${String(error)}`);
        assert.equal(error.message, c.wantError);
      });
    }
  });
}
