/*
 * A real D-state task for the live tests: the parent vforks and the child never execs, so the
 * parent waits in wait_for_vfork_done (TASK_KILLABLE, shown as D) until the child exits. The child
 * sleeps at most argv[1] seconds, so nothing outlives a crashed test for long.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  unsigned ttl = argc > 1 ? (unsigned)atoi(argv[1]) : 30;
  pid_t child = vfork();
  if (child == 0) {
    sleep(ttl);
    _exit(0);
  }
  if (child > 0) waitpid(child, NULL, 0);
  return 0;
}
