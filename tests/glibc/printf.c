/* A glibc program built with `gcc -m32 -static` (and -m64): startup (TLS, brk, mprotect), malloc,
 * stdio; with `float`, one line through the x87 (32-bit) or SSE2 (64-bit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char *p = malloc(100);
    strcpy(p, "heap");
    printf("hello %d %s %s\n", argc, argv[0] ? "argv" : "-", p);
    if (argc > 1 && strcmp(argv[1], "float") == 0)
        printf("%.3f\n", 3.14159);
    free(p);
    return 7;
}
