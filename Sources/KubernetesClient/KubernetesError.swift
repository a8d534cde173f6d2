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
        /// 429: back off for `retryAfter`.
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

    /// Classifies a non-2xx answer by its HTTP code and the reason in its Status.
    public init(code: Int, status: Status, retryAfterHeader: String?, request: String) {
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
        let seconds = retryAfterHeader.flatMap { Int($0.filter { !$0.isWhitespace }) }
            ?? status.details?.retryAfterSeconds
        var message = status.reason.map { "\(code) \($0)" } ?? "\(code)"
        if let text = status.message, !text.isEmpty { message += ": \(text)" }
        for cause in status.details?.causes ?? [] where reason == .invalid {
            message += "\n  \(cause.field ?? "(object)"): \(cause.message ?? cause.reason ?? "invalid")"
        }
        self.init(reason: reason, request: request, status: status, retryAfter: seconds.map { .seconds($0) }, message: message)
    }

    public var description: String { "\(request): \(message)" }
}
