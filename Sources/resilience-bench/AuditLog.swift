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
        var requestReceivedTimestamp: String
        var stageTimestamp: String
        struct User: Decodable { var username: String }
        struct Reference: Decodable {
            var resource: String?
            var subresource: String?
        }
    }

    /// What one user asked in a window of time.
    struct Requests {
        /// By "verb resource[/subresource]"; watches are left out (one stream serves every change).
        var counts: [String: Int] = [:]
        /// For each action (an eviction, or a pod's deletion): from the API server receiving the request to
        /// its answer, in milliseconds.
        var actionMilliseconds: [Double] = []
    }

    /// Requests by `username` received between `from` and `to`.
    func requests(by username: String, from: Date, to: Date) -> Requests {
        guard let data = FileManager.default.contents(atPath: path) else { return Requests() }
        let decoder = JSONDecoder()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var requests = Requests()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let entry = try? decoder.decode(Entry.self, from: line), entry.stage == "ResponseComplete",
                  entry.user.username == username, entry.verb != "watch",
                  let received = formatter.date(from: entry.requestReceivedTimestamp), received >= from, received <= to else { continue }
            let resource = [entry.objectRef?.resource, entry.objectRef?.subresource].compactMap { $0 }.joined(separator: "/")
            let request = "\(entry.verb) \(resource)"
            requests.counts[request, default: 0] += 1
            if request == "create pods/eviction" || request == "delete pods", let answered = formatter.date(from: entry.stageTimestamp) {
                requests.actionMilliseconds.append(answered.timeIntervalSince(received) * 1000)
            }
        }
        return requests
    }
}
