#if os(Linux)
/// glibc's `malloc_trim` (malloc.h, which the Glibc module does not bring in).
@_silgen_name("malloc_trim") private func mallocTrim(_ pad: Int) -> Int32
#endif

/// Hands the heap pages malloc keeps after a burst of short-lived allocations (the first lists decode
/// every watched object in pages) back to the system, so that resident memory is what is live.
public enum HeapTrim {
    public static func release() {
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
    }
}
