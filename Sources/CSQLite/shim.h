#include <sqlite3.h>

/// `sqlite3_config` is variadic, which Swift cannot call: the one process-wide option AppBase sets.
/// Memory statistics make every allocation inside SQLite take a process-wide mutex and update
/// counters nothing here reads (`sqlite3_memory_used`, `sqlite3_status`); turned off before
/// SQLite initialises (it answers SQLITE_MISUSE once initialised, and changes nothing then).
static inline int appbase_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
