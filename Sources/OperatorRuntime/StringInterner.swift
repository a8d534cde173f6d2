import Synchronization

/// Shares one copy of strings that many cached objects repeat (a namespace, an owner's name and UID,
/// label keys and values, container images, condition types): each decoded object brings its own
/// copies, and 10,000 pods of one ReplicaSet would keep 10,000 of each.
///
/// Strings of 15 bytes or fewer live inside the String value itself and are passed through. The table is
/// cleared when it reaches `capacity` entries, so that names of long-gone objects cannot pile up; sharing
/// then starts over, which costs memory for a while, never correctness.
public final class StringInterner: Sendable {
    private let table = Mutex<Set<String>>([])
    private let capacity: Int

    public init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    /// The shared copy of `string`.
    public func callAsFunction(_ string: String) -> String {
        guard string.utf8.count > 15 else { return string }
        return table.withLock { table in
            if let shared = table.firstIndex(of: string).map({ table[$0] }) { return shared }
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table.insert(string)
            return string
        }
    }

    public func callAsFunction(_ string: String?) -> String? {
        string.map { self($0) }
    }
}
