#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the kubelet reports of one container: its state now, its last termination, its restarts.
public struct ContainerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var ready: Bool
    public var restartCount: Int
    public var state: State?
    /// The previous run's state; its `terminated` says how the last run ended.
    public var lastState: State?

    public init(name: String, ready: Bool, restartCount: Int, state: State? = nil, lastState: State? = nil) {
        self.name = name
        self.ready = ready
        self.restartCount = restartCount
        self.state = state
        self.lastState = lastState
    }

    /// At most one of the three is set; none on an empty `lastState`.
    public struct State: Codable, Sendable, Equatable {
        public var waiting: Waiting?
        public var running: Running?
        public var terminated: Terminated?

        public init(waiting: Waiting? = nil, running: Running? = nil, terminated: Terminated? = nil) {
            self.waiting = waiting
            self.running = running
            self.terminated = terminated
        }
    }

    /// Not running yet or again: `CrashLoopBackOff`, `ImagePullBackOff`, `ContainerCreating`...
    public struct Waiting: Codable, Sendable, Equatable {
        public var reason: String?
        public var message: String?

        public init(reason: String? = nil, message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    /// Running since `startedAt`.
    public struct Running: Codable, Sendable, Equatable {
        public var startedAt: Date?

        public init(startedAt: Date? = nil) {
            self.startedAt = startedAt
        }
    }

    /// Ended: `reason` such as `OOMKilled`, `Error`, `Completed`.
    public struct Terminated: Codable, Sendable, Equatable {
        public var exitCode: Int
        public var reason: String?
        public var finishedAt: Date?

        public init(exitCode: Int, reason: String? = nil, finishedAt: Date? = nil) {
            self.exitCode = exitCode
            self.reason = reason
            self.finishedAt = finishedAt
        }
    }
}
