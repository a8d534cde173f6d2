#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An Event (`v1/Event`): what happened to an object, shown by `kubectl describe` and `kubectl get events`.
public struct Event: KubernetesResource, Equatable {
    public static let apiVersion = "v1"
    public static let kind = "Event"
    public static let plural = "events"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    /// `Normal` or `Warning`.
    public var type: String?
    /// A short UpperCamelCase reason: `PodEvicted`.
    public var reason: String?
    public var message: String?
    /// What was done, or tried: `Evict`.
    public var action: String?
    public var source: Source?
    public var reportingComponent: String?
    public var reportingInstance: String?
    public var firstTimestamp: Date?
    public var lastTimestamp: Date?
    /// When it happened, for Events written through `events.k8s.io` (the scheduler's), which leave the
    /// timestamps above empty.
    public var eventTime: MicroTime?
    /// How many times this Event happened; repeats raise it instead of writing a new Event.
    public var count: Int?

    public init(metadata: ObjectMeta, involvedObject: ObjectReference) {
        self.metadata = metadata
        self.involvedObject = involvedObject
    }

    /// The component that reported the Event.
    public struct Source: Codable, Sendable, Equatable {
        public var component: String?
        public var host: String?

        public init(component: String? = nil, host: String? = nil) {
            self.component = component
            self.host = host
        }
    }
}
