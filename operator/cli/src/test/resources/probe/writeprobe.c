/* Prints what write(2, ...) returned, on stdout, so a test can see the errno a seccomp rule chose. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  ssize_t n = write(2, "to stderr\n", 10);
  int e = errno;
  printf("write(2) = %zd, errno = %d (%s)\n", n, n < 0 ? e : 0, n < 0 ? strerror(e) : "none");
  return n < 0 ? 1 : 0;
}
