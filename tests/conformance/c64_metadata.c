/* The x86-64 build of c_metadata.c (the same checks, x86-64 numbers and layouts). */
#include "c_metadata.c"
