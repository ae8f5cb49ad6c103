/* renameat2(2) with RENAME_EXCHANGE, for the atomic restore swap (docs/adr/0037-backup-format.md).
 * glibc declares it only under _GNU_SOURCE, which Swift's Glibc module is not built with; the
 * prototype is glibc's own (2.28+), so this declaration matches the library's symbol. */
#ifndef APPBASE_CRENAMEAT_SHIM_H
#define APPBASE_CRENAMEAT_SHIM_H

extern int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

/* Exchange the two paths atomically (linux/fs.h). */
#define APPBASE_RENAME_EXCHANGE (1U << 1)

#endif
