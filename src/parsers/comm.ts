/**
 * /proc/PID/comm and /proc/PID/task/TID/comm (proc(5)): the task name, up to 15 bytes for user
 * tasks, followed by a newline.
 *
 *     (sd-pam)
 *
 * gives "(sd-pam)". Only the final newline is removed: spaces and parentheses belong to the name.
 */
export function parseComm(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
