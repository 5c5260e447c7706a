/* Floating point through a static glibc, compared with the same binary run natively:
 * printf's %f %e %g %a, strtod, and libm (sqrt, sin, cos, pow, exp, log, atan2, fmod,
 * floor, lrint) in float, double and long double. 32-bit builds use the x87; 64-bit
 * builds SSE2 for float and double and the x87 for long double. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    const char *texts[] = {"3.14159", "-2.5e-3", "1e308", "4.9e-324", "0x1.8p1", "inf",
                           "-nan", "123456789.125", "1e-310", "0.1"};
    volatile double sum = 0;
    for (unsigned i = 0; i < sizeof texts / sizeof *texts; i++) {
        double d = strtod(texts[i], NULL);
        float f = strtof(texts[i], NULL);
        long double l = strtold(texts[i], NULL);
        printf("%-14s %.17g %a %e %.9g %La\n", texts[i], d, d, d, f, l);
        if (d == d && d < 1e300 && d > -1e300)
            sum += d;
    }
    for (int i = -3; i <= 12; i++) {
        double x = i * 0.7 + 0.05;
        printf("%6.2f sqrt=%.17g sin=%.17g cos=%.17g pow=%.17g\n", x, sqrt(fabs(x)), sin(x),
               cos(x), pow(fabs(x), 1.0 / 3));
        printf("       exp=%.17g log=%.17g atan2=%.17g fmod=%.17g floor=%g lrint=%ld\n",
               exp(x), log(fabs(x) + 1), atan2(x, 1.5), fmod(x, 0.3), floor(x), lrint(x));
        printf("       sinf=%.9g sqrtl=%.21Lg powl=%.21Lg\n", sinf((float)x),
               sqrtl(fabsl((long double)x)), powl(fabsl((long double)x), 0.5L));
    }
    printf("sum %.17g %g %G %#.3g %+.0f %010.4f\n", sum, sum, 1e-20, 100.0, 2.5, -3.14159);
    return argc > 1 ? atoi(argv[1]) : 0;
}
