import Foundation
import KubernetesAPI
import KubernetesClient
import TestSupport
import Testing

/// Classifies the Status bodies the real API server sent (hack/capture-fixtures.sh).
@Suite struct KubernetesErrorTests {
    private func status(_ file: String) throws -> Status {
        try KubernetesJSON.decoder().decode(Status.self, from: Fixture.data(file))
    }

    @Test(arguments: [
        ("status-not-found.json", KubernetesError.Reason.notFound),
        ("status-already-exists.json", .alreadyExists),
        ("status-conflict.json", .conflict),
        ("status-invalid.json", .invalid),
        ("status-forbidden.json", .forbidden),
        ("status-unauthorized.json", .unauthorized),
    ])
    func classifiesCapturedStatus(file: String, reason: KubernetesError.Reason) throws {
        let status = try status(file)
        let error = KubernetesError(code: try #require(status.code), status: status, retryAfterHeader: nil, request: "GET /x")
        #expect(error.reason == reason)
        #expect(error.description.hasPrefix("GET /x: \(status.code!) \(status.reason!): "))
        #expect(error.retryAfter == nil)
    }

    @Test func invalidListsEveryFieldCause() throws {
        let error = KubernetesError(code: 422, status: try status("status-invalid.json"), retryAfterHeader: nil, request: "POST /x")
        #expect(error.message.contains("\n  metadata.name: Invalid value: \"Not_Valid\""))
        #expect(error.message.contains("\n  data[bad key!]: Invalid value: \"bad key!\""))
    }

    @Test func goneAndExpiredMeanRelist() {
        #expect(KubernetesError(code: 410, status: Status(reason: "Gone"), retryAfterHeader: nil, request: "r").reason == .gone)
        #expect(KubernetesError(code: 410, status: Status(reason: "Expired"), retryAfterHeader: nil, request: "r").reason == .gone)
    }

    @Test func tooManyRequestsCarriesRetryAfter() {
        let header = KubernetesError(code: 429, status: Status(reason: "TooManyRequests"), retryAfterHeader: " 3 ", request: "r")
        #expect(header.reason == .tooManyRequests)
        #expect(header.retryAfter == .seconds(3))
        let details = KubernetesError(
            code: 429, status: Status(reason: "TooManyRequests", details: .init(retryAfterSeconds: 7)),
            retryAfterHeader: nil, request: "r")
        #expect(details.retryAfter == .seconds(7))
    }

    /// A budget's refusal and the API server shedding load are both 429: the Status cause tells them
    /// apart. The refusal as the server sends it; the shed load as the client reads its plain-text answer
    /// (max-in-flight and priority and fairness write "Too many requests" and Retry-After, no Status).
    @Test func aBudgetsRefusalIsToldApartFromShedLoad() throws {
        let refusal = KubernetesError(code: 429, status: try status("status-disruption-budget.json"), retryAfterHeader: nil, request: "POST eviction")
        #expect(refusal.reason == .tooManyRequests)
        #expect(refusal.refusedByDisruptionBudget)
        #expect(refusal.message.contains("disruption budget"))
        let shed = KubernetesError(code: 429, status: Status(message: "Too many requests, please try again later.\n", code: 429), retryAfterHeader: "1", request: "GET pods")
        #expect(shed.reason == .tooManyRequests)
        #expect(!shed.refusedByDisruptionBudget)
        #expect(shed.retryAfter == .seconds(1))
    }

    @Test func retryAfterIsReadAsSecondsOrAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 784_111_770) // Sun, 06 Nov 1994 08:49:30 GMT
        #expect(KubernetesError(code: 429, status: Status(), retryAfterHeader: "Sun, 06 Nov 1994 08:49:37 GMT", request: "r", now: now).retryAfter == .seconds(7))
        #expect(KubernetesError(code: 429, status: Status(), retryAfterHeader: "Sun, 06 Nov 1994 08:49:00 GMT", request: "r", now: now).retryAfter == .seconds(0), "a date past is now")
        #expect(KubernetesError(code: 429, status: Status(), retryAfterHeader: "soon", request: "r", now: now).retryAfter == nil)
        #expect(KubernetesError(code: 429, status: Status(), retryAfterHeader: "-3", request: "r", now: now).retryAfter == .seconds(0))
    }

    @Test func timeoutsAndOtherServerErrors() {
        #expect(KubernetesError(code: 504, status: Status(), retryAfterHeader: nil, request: "r").reason == .serverTimeout)
        #expect(KubernetesError(code: 500, status: Status(reason: "ServerTimeout"), retryAfterHeader: nil, request: "r").reason == .serverTimeout)
        #expect(KubernetesError(code: 500, status: Status(reason: "InternalError"), retryAfterHeader: nil, request: "r").reason == .server)
    }
}
