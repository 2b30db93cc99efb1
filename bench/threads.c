/*
 * Starts N sleeping threads for the live benchmark, prints "ready" once all exist, and exits when
 * its stdin closes (or after TTL seconds, so a crashed bench leaves nothing behind).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *sleeper(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  unsigned ttl = argc > 2 ? (unsigned)atoi(argv[2]) : 300;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, sleeper, NULL) != 0) {
      fprintf(stderr, "thread %d of %d could not be created\n", i, n);
      return 1;
    }
  }
  printf("ready\n");
  fflush(stdout);
  alarm(ttl);
  char c;
  while (read(0, &c, 1) > 0) {
  }
  return 0;
}
