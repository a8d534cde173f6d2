import Foundation

/// The API requests one user made, as kube-apiserver's audit log recorded them (the bench plane logs
/// the requests of the `resilience-bench` ServiceAccounts only): counted by verb and resource, within
/// a window of time.
struct AuditLog {
    let path: String

    private struct Entry: Decodable {
        var stage: String
        var verb: String
        var user: User
        var userAgent: String?
        var objectRef: Reference?
        var requestReceivedTimestamp: String
        struct User: Decodable { var username: String }
        struct Reference: Decodable {
            var resource: String?
            var subresource: String?
        }
    }

    /// Requests by `username` received between `from` and `to`, by "verb resource[/subresource]";
    /// watches are left out (one stream serves every change).
    func requests(by username: String, from: Date, to: Date) -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        let decoder = JSONDecoder()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var counts: [String: Int] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            // Cheap filters before decoding: most lines are someone else's or another stage.
            guard let entry = try? decoder.decode(Entry.self, from: line), entry.stage == "ResponseComplete",
                  entry.user.username == username, entry.verb != "watch",
                  let time = formatter.date(from: entry.requestReceivedTimestamp), time >= from, time <= to else { continue }
            let resource = [entry.objectRef?.resource, entry.objectRef?.subresource].compactMap { $0 }.joined(separator: "/")
            counts["\(entry.verb) \(resource)", default: 0] += 1
        }
        return counts
    }
}
