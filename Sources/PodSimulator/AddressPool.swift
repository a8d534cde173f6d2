import Synchronization

/// Hands out pod addresses from 127.1.0.1 to 127.254.255.254: Linux routes all of 127.0.0.0/8 to the
/// loopback interface, so every address can be bound without setup. 127.0.x.x is left to the host.
public final class AddressPool: Sendable {
    /// The process's pool: simulators in one process (the integration tests run several at once, one per
    /// namespace) never hand out the same address.
    public static let shared = AddressPool()

    private struct State {
        var next: UInt32 = 0x7F01_0001
        var free: [UInt32] = []
        var used: Set<UInt32> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// A free address, or nil when all 16 million are taken.
    public func take() -> String? {
        state.withLock { state in
            var address: UInt32
            if let reused = state.free.popLast() {
                address = reused
            } else {
                while state.used.contains(state.next) || state.next & 0xFF == 0 || state.next & 0xFF == 0xFF { state.next += 1 }
                guard state.next < 0x7FFF_0000 else { return nil }
                address = state.next
                state.next += 1
            }
            state.used.insert(address)
            return Self.text(address)
        }
    }

    /// Marks an address as in use (a pod the simulator finds already running after a restart); false when
    /// another pod has it.
    public func claim(_ text: String) -> Bool {
        guard let address = Self.parse(text) else { return false }
        return state.withLock { state in
            guard state.used.insert(address).inserted else { return false }
            state.free.removeAll { $0 == address }
            return true
        }
    }

    public func release(_ text: String) {
        guard let address = Self.parse(text) else { return }
        state.withLock { state in
            if state.used.remove(address) != nil { state.free.append(address) }
        }
    }

    /// Whether `text` is an address this pool hands out.
    public static func isPodAddress(_ text: String) -> Bool {
        parse(text).map { $0 >= 0x7F01_0000 && $0 < 0x7FFF_0000 } ?? false
    }

    private static func text(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
    }

    private static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
        return parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }
}
