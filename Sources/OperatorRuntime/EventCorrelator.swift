import KubernetesAPI

/// Keeps Events from flooding the API server during an incident, as client-go's `EventCorrelator` does:
///
/// - **aggregation**: once ``similarLimit`` Events about one object with the same type, reason and action
///   but different messages came within ``similarWindow``, the next ones become one Event, "(combined
///   from similar events): " and the latest message, whose count rises instead of new Events being written;
/// - **spam filter**: each object (with type and reason) has a token bucket of ``burst`` writes, refilled
///   by one every ``refill``: beyond it, Events about that object are dropped until a token is back.
///
/// Pure: the caller passes the time, so the limits are tested exactly.
public struct EventCorrelator<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Writes an object's Events may make at once.
    public static var burst: Int { 25 }
    /// How long a spent write takes to come back.
    public static var refill: Duration { .seconds(300) }
    /// Different messages of one kind of Event about one object before they are combined.
    public static var similarLimit: Int { 10 }
    /// How long similar messages are counted together.
    public static var similarWindow: Duration { .seconds(600) }
    /// The most objects remembered; beyond it, the memory starts again (as client-go's LRU caches forget).
    static var capacity: Int { 4096 }

    /// What is recorded: the message, and the key by which repeats of it raise one Event's count.
    public struct Outcome: Sendable, Equatable {
        public var message: String
        /// Repeats with the same key are the same Event (the message may change when combined).
        public var key: String
    }

    private struct Bucket: Sendable {
        var tokens: Double
        var updated: Instant
    }

    private struct Similar: Sendable {
        var messages: Set<String>
        var since: Instant
    }

    private var buckets: [String: Bucket] = [:]
    private var similar: [String: Similar] = [:]

    public init() {}

    /// The Event to record about `object` now, or nil when the spam filter drops it.
    public mutating func correlate(_ object: ObjectReference, type: String, reason: String, action: String, message: String, at now: Instant) -> Outcome? {
        let identity = [object.kind, object.namespace, object.name, object.uid].map { $0 ?? "" }.joined(separator: "/")
        let kind = "\(identity)|\(type)|\(reason)|\(action)"
        guard take(from: "\(identity)|\(type)|\(reason)", at: now) else { return nil }
        if similar.count >= Self.capacity { similar = [:] }
        var seen = similar[kind].flatMap { now >= $0.since.advanced(by: Self.similarWindow) ? nil : $0 } ?? Similar(messages: [], since: now)
        seen.messages.insert(message)
        similar[kind] = seen
        if seen.messages.count >= Self.similarLimit {
            return Outcome(message: "(combined from similar events): \(message)", key: "\(kind)|combined")
        }
        return Outcome(message: message, key: "\(kind)|\(message)")
    }

    /// Takes a write from the bucket of `key`, if one is left.
    private mutating func take(from key: String, at now: Instant) -> Bool {
        if buckets.count >= Self.capacity { buckets = [:] }
        var bucket = buckets[key] ?? Bucket(tokens: Double(Self.burst), updated: now)
        let elapsed = bucket.updated.duration(to: now)
        if elapsed > .zero {
            bucket.tokens = min(Double(Self.burst), bucket.tokens + Self.seconds(elapsed) / Self.seconds(Self.refill))
            bucket.updated = now
        }
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return true
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
