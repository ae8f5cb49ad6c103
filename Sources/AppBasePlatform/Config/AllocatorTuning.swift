import CMalloc
#if canImport(Glibc)
import Glibc
#endif

/// glibc `malloc` settings for the server process (ADR 0044).
///
/// By default an arena gives memory above 128 KiB at its top back to the kernel at each `free`
/// (`madvise`), and the next response body of that size faults the same pages in again: a
/// 50-record list page cost about one page fault per request on the reader threads and an
/// `madvise` every 35 requests on the loop. Keeping up to 4 MiB free per arena ends that; blocks
/// up to 1 MiB (file chunks of 256 KiB) come from the arenas instead of their own `mmap`.
public enum AllocatorTuning {
    /// Free memory an arena keeps at its top before returning it to the kernel.
    public static let trimThresholdBytes: Int32 = 4 << 20
    /// Allocations from this size on get their own mapping.
    public static let mmapThresholdBytes: Int32 = 1 << 20

    /// Applies the settings, unless the operator chose their own through glibc's
    /// `MALLOC_TRIM_THRESHOLD_` or `MALLOC_MMAP_THRESHOLD_` environment variables.
    public static func apply() {
        #if canImport(Glibc)
        guard getenv("MALLOC_TRIM_THRESHOLD_") == nil, getenv("MALLOC_MMAP_THRESHOLD_") == nil else { return }
        _ = mallopt(M_TRIM_THRESHOLD, trimThresholdBytes)
        _ = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes)
        #endif
    }
}
