/**
 * /proc/PID/cmdline (proc(5)): the arguments, each ended by a NUL byte, with no newline.
 *
 *     vim\0test.go\0+10\0
 *
 * gives ["vim", "test.go", "+10"]. A kernel thread or zombie has an empty file, which gives [].
 * Empty strings are dropped: a process that rewrote its argv in place leaves NUL padding behind it.
 */
export function parseCmdline(text: string): string[] {
  return text.split('\0').filter((arg) => arg !== '');
}
