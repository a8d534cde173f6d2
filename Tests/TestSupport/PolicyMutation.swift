import Foundation

/// A policy's JSON with one field changed: a wrong type, an empty, negative, huge or malformed value, or
/// the field gone. Chosen by two numbers, so that a property test's shrinker (or a seed) picks them.
public enum PolicyMutation {
    /// What a field may be changed to (nil removes it).
    static var values: [Any?] { [
        nil, NSNull(), "", "x", "-1s", "1ms", "10x", "999999999h", "101%", "-5%", 0, -1, 2_147_483_648, 1e300, 0.5, true, [Any](), ["nope"],
        [String: Any](), ["unknown": 1], String(repeating: "a", count: 5000),
    ] }

    /// `json` (a policy) with the field under `spec` that `field` picks changed to the value `value` picks;
    /// and the field's path, as `spec.health.for`.
    public static func mutate(_ json: Data, field: Int, value: Int) throws -> (json: Data, path: String) {
        let policy = try JSONSerialization.jsonObject(with: json)
        let paths = Self.paths(policy).filter { ($0.first as? String) == "spec" && $0.count > 1 }
        let path = paths[field % paths.count]
        let mutated = replacing(policy, at: path[...], with: values[value % values.count]) ?? policy
        return (try JSONSerialization.data(withJSONObject: mutated), path.map { "\($0)" }.joined(separator: "."))
    }

    /// Every path to a value in `json`, as keys and indexes.
    private static func paths(_ json: Any, _ prefix: [Any] = []) -> [[Any]] {
        switch json {
        case let object as [String: Any]: return [prefix] + object.keys.sorted().flatMap { paths(object[$0]!, prefix + [$0]) }
        case let array as [Any]: return [prefix] + array.indices.flatMap { paths(array[$0], prefix + [$0]) }
        default: return [prefix]
        }
    }

    /// `json` with the value at `path` replaced by `value` (nil removes it).
    private static func replacing(_ json: Any, at path: ArraySlice<Any>, with value: Any?) -> Any? {
        guard let step = path.first else { return value }
        if var object = json as? [String: Any], let key = step as? String {
            object[key] = object[key].flatMap { replacing($0, at: path.dropFirst(), with: value) } ?? (path.count == 1 ? value : nil)
            return object
        }
        if var array = json as? [Any], let index = step as? Int, array.indices.contains(index) {
            if let changed = replacing(array[index], at: path.dropFirst(), with: value) { array[index] = changed } else { array.remove(at: index) }
            return array
        }
        return json
    }
}
