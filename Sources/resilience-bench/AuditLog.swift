import Foundation

/// The API requests one user made, as kube-apiserver's audit log recorded them (the bench plane logs
/// the requests of the `resilience-bench` ServiceAccounts only): counted by verb and resource, within
/// a window of time, with how long the API server took over each action.
struct AuditLog {
    let path: String

    private struct Entry: Decodable {
        var stage: String
        var verb: String
        var user: User
        var userAgent: String?
        var objectRef: Reference?
        var responseStatus: ResponseStatus?
        var requestReceivedTimestamp: String
        var stageTimestamp: String
        struct User: Decodable { var username: String }
        struct Reference: Decodable {
            var resource: String?
            var subresource: String?
            var namespace: String?
            var name: String?
        }
        struct ResponseStatus: Decodable { var code: Int? }
    }

    /// What one user asked in a window of time.
    struct Requests {
        /// By "verb resource[/subresource]"; watches are left out (one stream serves every change).
        var counts: [String: Int] = [:]
        /// For each action (an eviction, or a pod's deletion): from the API server receiving the request to
        /// its answer, in milliseconds.
        var actionMilliseconds: [Double] = []
        /// Each action's pod ("namespace/name") and when the API server received it.
        var actionReceived: [String: Date] = [:]
        /// Every other request (a status write, an Event...), from the API server receiving it to its answer.
        var others: [ClosedRange<Date>] = []
    }

    /// One request as the API server answered it.
    struct Request {
        var username: String
        /// "verb resource[/subresource]".
        var request: String
        var namespace: String?
        var name: String?
        var code: Int
        var received: Date

        /// An eviction or a pod's deletion that the API server carried out.
        var isAction: Bool { (request == "create pods/eviction" || request == "delete pods") && (200..<300).contains(code) }
    }

    /// Every answered request (watches left out) of users whose name starts with `usernamePrefix`,
    /// received between `from` and `to`, oldest first.
    func answered(byUsersStartingWith usernamePrefix: String, from: Date, to: Date) -> [Request] {
        entries(from: from, to: to) { $0.hasPrefix(usernamePrefix) }.map { entry, received in
            let resource = [entry.objectRef?.resource, entry.objectRef?.subresource].compactMap { $0 }.joined(separator: "/")
            return Request(username: entry.user.username, request: "\(entry.verb) \(resource)", namespace: entry.objectRef?.namespace,
                           name: entry.objectRef?.name, code: entry.responseStatus?.code ?? 0, received: received)
        }.sorted { $0.received < $1.received }
    }

    private func entries(from: Date, to: Date, user: (String) -> Bool) -> [(Entry, Date)] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let entry = try? decoder.decode(Entry.self, from: line), entry.stage == "ResponseComplete",
                  user(entry.user.username), entry.verb != "watch",
                  let received = formatter.date(from: entry.requestReceivedTimestamp), received >= from, received <= to else { return nil }
            return (entry, received)
        }
    }

    /// Requests by `username` received between `from` and `to`.
    func requests(by username: String, from: Date, to: Date) -> Requests {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var requests = Requests()
        for (entry, received) in entries(from: from, to: to, user: { $0 == username }) {
            let resource = [entry.objectRef?.resource, entry.objectRef?.subresource].compactMap { $0 }.joined(separator: "/")
            let request = "\(entry.verb) \(resource)"
            requests.counts[request, default: 0] += 1
            guard let answered = formatter.date(from: entry.stageTimestamp), answered >= received else { continue }
            if request == "create pods/eviction" || request == "delete pods" {
                requests.actionMilliseconds.append(answered.timeIntervalSince(received) * 1000)
                requests.actionReceived["\(entry.objectRef?.namespace ?? "")/\(entry.objectRef?.name ?? "")"] = received
            } else {
                requests.others.append(received...answered)
            }
        }
        return requests
    }
}
