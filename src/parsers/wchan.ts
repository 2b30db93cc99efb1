/**
 * /proc/PID/wchan and /proc/PID/task/TID/wchan (proc(5)): the kernel function a sleeping task waits
 * in, with no trailing newline.
 *
 *     poll_schedule_timeout
 *
 * gives "poll_schedule_timeout". "0" (running, or not in a named wait) and an empty file give "".
 */
export function parseWchan(text: string): string {
  const name = text.endsWith('\n') ? text.slice(0, -1) : text;
  return name === '0' ? '' : name;
}
