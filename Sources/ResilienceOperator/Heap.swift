#if os(Linux)
/// glibc's `malloc_trim` and `mallopt` (malloc.h, which the Glibc module does not bring in).
@_silgen_name("malloc_trim") private func mallocTrim(_ pad: Int) -> Int32
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// malloc.h's `M_MMAP_THRESHOLD`.
private let mmapThresholdParameter: Int32 = -3
#endif

/// How the operator keeps glibc's heap to what is live.
///
/// The caches fill from lists decoded a page at a time: megabytes of response bytes that live for a
/// moment, among the small objects that stay. glibc serves blocks from 128 KiB up with a mapping of
/// their own, but raises that threshold to the largest block freed, so that after the first page the
/// next ones are carved from the heap and leave holes between the cached objects that no trim can give
/// back (measured at 10,000 pods: 45 to 51 MiB of heap, 28 MiB with the threshold held).
public enum Heap {
    /// Blocks from this size up are always mapped apart and unmapped when freed.
    public static let largeBlock: Int32 = 128 * 1024

    /// Holds the threshold at ``largeBlock`` (as `MALLOC_MMAP_THRESHOLD_=131072` would): call before the
    /// first lists.
    public static func mapLargeBlocksApart() {
        #if os(Linux)
        _ = mallopt(mmapThresholdParameter, largeBlock)
        #endif
    }

    /// Hands the free pages malloc keeps after a burst of short-lived allocations back to the system, so
    /// that resident memory is what is live.
    public static func trim() {
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
    }
}
