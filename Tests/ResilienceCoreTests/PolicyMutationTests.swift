import Foundation
import PropertyBased
import ResilienceCore
import Synchronization
import Testing

/// A thousand policies, each the sketch with one field changed at random (a wrong type, an empty, negative,
/// huge or malformed value, a field gone): none crashes the decoder or the validator, each one the
/// operator refuses names the field (as `Ready=False` will), and what it accepts it can read.
@Suite struct PolicyMutationTests {
    private static let knobs = Gen.int(in: 0...1_000_000).array(of: 4...4)

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

    /// What a field may be changed to.
    private static var values: [Any?] { [
        nil, NSNull(), "", "x", "-1s", "1ms", "10x", "999999999h", "101%", "-5%", 0, -1, 2_147_483_648, 1e300, 0.5, true, [Any](), ["nope"],
        [String: Any](), ["unknown": 1], String(repeating: "a", count: 5000),
    ] }

    @Test func aThousandMutatedPoliciesAreRefusedNamingAFieldOrRead() async throws {
        let outcomes = Mutex<[String: Int]>([:])
        await propertyCheck(count: 1000, input: Self.knobs) { knobs in
            let sketch = try JSONSerialization.jsonObject(with: Data(SketchPolicy.json.utf8))
            let paths = Self.paths(sketch).filter { ($0.first as? String) == "spec" && $0.count > 1 }
            let path = paths[knobs[0] % paths.count]
            let value = Self.values[knobs[1] % Self.values.count]
            let mutated = try #require(Self.replacing(sketch, at: path[...], with: value))
            let data = try JSONSerialization.data(withJSONObject: mutated)
            let where_ = path.map { "\($0)" }.joined(separator: ".")
            do {
                let policy = try PolicyDecoder.decode(data)
                let problems = PolicyValidator.validate(policy.spec)
                for problem in problems { #expect(problem.field.hasPrefix("spec"), "\(where_) = \(String(describing: value)): \(problem)") }
                do {
                    _ = try EffectivePolicy(policy.spec)
                    #expect(problems.isEmpty)
                    outcomes.withLock { $0["read", default: 0] += 1 }
                } catch let error as EffectivePolicy.Invalid {
                    #expect(error.problems == problems, "the operator refuses what the validator finds")
                    #expect(!problems.isEmpty)
                    outcomes.withLock { $0["refused by the validator", default: 0] += 1 }
                }
            } catch let error as PolicyDecoder.Failure {
                #expect(error.field.hasPrefix("spec"), "\(where_) = \(String(describing: value)): \(error)")
                #expect(!error.message.isEmpty)
                outcomes.withLock { $0["refused by the decoder", default: 0] += 1 }
            }
        }
        let counts = outcomes.withLock { $0 }
        for outcome in ["read", "refused by the validator", "refused by the decoder"] {
            #expect(counts[outcome, default: 0] >= 5, "few mutations were \(outcome): \(counts)")
        }
    }
}
