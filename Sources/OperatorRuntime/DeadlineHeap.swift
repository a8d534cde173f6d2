/// A binary min-heap of deadlines with their keys: the scheduler's agenda, one timer for all keys.
///
/// Entries are never removed out of order: a key rescheduled earlier leaves its old entry behind, and
/// the owner skips entries that no longer match its record of the key's deadline (kube-rs's scheduler
/// does the same with its `DelayQueue`).
struct DeadlineHeap<Instant: Comparable, Key> {
    private var entries: [(deadline: Instant, key: Key)] = []

    var isEmpty: Bool { entries.isEmpty }

    /// The earliest deadline, if any.
    var earliest: Instant? { entries.first?.deadline }

    mutating func insert(_ deadline: Instant, _ key: Key) {
        entries.append((deadline, key))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry.
    mutating func popFirst() -> (deadline: Instant, key: Key)? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let first = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    mutating func removeAll() { entries.removeAll() }
}
