/**
 * A /proc file whose text cannot be used. The message says where and what, in the form
 * `/proc/buddyinfo:3: expected 11 order counts, got 12`, so a user can open the file and look.
 */
export class ParseError extends Error {
  constructor(
    readonly path: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${path}${line === undefined ? '' : `:${line}`}: ${detail}`);
    this.name = 'ParseError';
  }
}
