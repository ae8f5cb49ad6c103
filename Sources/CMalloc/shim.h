// mallopt(3) and its parameters: the server's allocator settings (AllocatorTuning, ADR 0044).
// Swift's Glibc module does not include <malloc.h>.
#include <malloc.h>
