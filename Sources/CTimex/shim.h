// adjtimex(2) and struct timex: whether the kernel's clock is NTP-synchronised (appbase doctor).
// Swift's Glibc module does not include <sys/timex.h>.
#include <sys/timex.h>
