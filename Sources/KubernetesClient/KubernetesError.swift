#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// A failed request, classified so that callers can decide: retry, relist, back off, or give up.
public struct KubernetesError: Error, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Reason: Sendable, Equatable {
        /// 401: the credentials were not accepted.
        case unauthorized
        /// 403: RBAC does not allow the request.
        case forbidden
        /// 404.
        case notFound
        /// 409 with reason AlreadyExists.
        case alreadyExists
        /// 409: a resourceVersion or UID precondition did not hold.
        case conflict
        /// 410, or reason Expired: the resourceVersion or continue token is too old; relist.
        case gone
        /// 422: the object is invalid; `status.details.causes` name the fields.
        case invalid
        /// 429: an eviction a PodDisruptionBudget refuses (``refusedByDisruptionBudget``), or the API server
        /// shedding load (max-in-flight, priority and fairness): back off for `retryAfter`.
        case tooManyRequests
        /// 504 or reason Timeout/ServerTimeout.
        case serverTimeout
        /// Any other answer outside 2xx.
        case server
        /// The server's certificate could not be verified.
        case tlsVerification
        /// No answer: refused, reset, timed out.
        case transport
        /// An answer that does not decode as the expected type.
        case decoding
    }

    public var reason: Reason
    /// The request, as `GET /api/v1/namespaces`.
    public var request: String
    /// The server's Status, when it sent one.
    public var status: Status?
    /// How long the server asked us to wait (Retry-After or `details.retryAfterSeconds`).
    public var retryAfter: Duration?
    public var message: String

    public init(reason: Reason, request: String, status: Status? = nil, retryAfter: Duration? = nil, message: String) {
        self.reason = reason
        self.request = request
        self.status = status
        self.retryAfter = retryAfter
        self.message = message
    }

    /// Classifies a non-2xx answer by its HTTP code and the reason in its Status. `Retry-After` is read
    /// as seconds or as an HTTP date (relative to `now`).
    public init(code: Int, status: Status, retryAfterHeader: String?, request: String, now: Date = Date()) {
        let reason: Reason
        switch (code, status.reason) {
        case (_, "Expired"), (410, _): reason = .gone
        case (_, "AlreadyExists"): reason = .alreadyExists
        case (401, _): reason = .unauthorized
        case (403, _): reason = .forbidden
        case (404, _): reason = .notFound
        case (409, _): reason = .conflict
        case (422, _): reason = .invalid
        case (429, _): reason = .tooManyRequests
        case (504, _), (_, "Timeout"), (_, "ServerTimeout"): reason = .serverTimeout
        default: reason = .server
        }
        let seconds = retryAfterHeader.flatMap { Self.retryAfterSeconds($0, now: now) } ?? status.details?.retryAfterSeconds
        var message = status.reason.map { "\(code) \($0)" } ?? "\(code)"
        if let text = status.message, !text.isEmpty { message += ": \(text)" }
        for cause in status.details?.causes ?? [] where reason == .invalid {
            message += "\n  \(cause.field ?? "(object)"): \(cause.message ?? cause.reason ?? "invalid")"
        }
        self.init(reason: reason, request: request, status: status, retryAfter: seconds.map { .seconds($0) }, message: message)
    }

    public var description: String { "\(request): \(message)" }

    /// Whether this is an eviction that a PodDisruptionBudget refuses (a 429 whose Status names the cause
    /// `DisruptionBudget`), not the API server shedding load: that one is to be tried again later, this
    /// one is a safety refusal.
    public var refusedByDisruptionBudget: Bool {
        reason == .tooManyRequests && status?.details?.causes?.contains { $0.reason == "DisruptionBudget" } == true
    }

    /// A `Retry-After` value in whole seconds: delay-seconds, or an HTTP date (RFC 9110's IMF-fixdate).
    static func retryAfterSeconds(_ value: String, now: Date) -> Int? {
        let text = String(value.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        if let seconds = Int(text) { return max(0, seconds) }
        // `Sun, 06 Nov 1994 08:49:37 GMT`, read as the RFC 3339 time it names.
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let month = months.firstIndex(of: String(parts[2])), parts[1].count == 2, parts[3].count == 4,
              let date = KubernetesJSON.parseTimestamp("\(parts[3])-\(month < 9 ? "0" : "")\(month + 1)-\(parts[1])T\(parts[4])Z") else { return nil }
        return max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    }
}
