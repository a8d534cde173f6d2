import KubernetesClient

/// The API server's Go runtime counters, from its /metrics: what a subject costs the API server beyond
/// its requests' time. An API server that allocates more collects more often, and on two cores each
/// collection's mark (a second or more on a heap of hundreds of MB) slows every request it overlaps.
struct APIServerRuntime {
    /// Bytes the API server has allocated since it started (`go_memstats_alloc_bytes_total`).
    var allocatedBytes: Double
    /// Garbage collections it has finished (`go_gc_duration_seconds_count`).
    var collections: Double
    /// CPU seconds it has spent, user and system (`process_cpu_seconds_total`).
    var cpuSeconds: Double

    /// Reads the counters; nil when /metrics cannot be read (a client that may not).
    static func read(_ client: KubernetesClient) async -> APIServerRuntime? {
        guard let body = try? await client.send(.GET, "/metrics") else { return nil }
        var samples: [Substring: Double] = [:]
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = Double(fields[1]) { samples[fields[0]] = value }
        }
        guard let allocated = samples["go_memstats_alloc_bytes_total"], let collections = samples["go_gc_duration_seconds_count"],
              let cpu = samples["process_cpu_seconds_total"] else { return nil }
        return APIServerRuntime(allocatedBytes: allocated, collections: collections, cpuSeconds: cpu)
    }
}
