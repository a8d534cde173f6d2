import Foundation
import PropertyBased
import ResilienceCore
import Synchronization
import TestSupport
import Testing

/// A thousand policies, each the sketch with one field changed at random (a wrong type, an empty, negative,
/// huge or malformed value, a field gone): none crashes the decoder or the validator, each one the
/// operator refuses names the field (as `Ready=False` will), and what it accepts it can read.
@Suite struct PolicyMutationTests {
    private static let knobs = Gen.int(in: 0...1_000_000).array(of: 4...4)

    @Test func aThousandMutatedPoliciesAreRefusedNamingAFieldOrRead() async throws {
        let outcomes = Mutex<[String: Int]>([:])
        await propertyCheck(count: 1000, input: Self.knobs) { knobs in
            let (data, changed) = try PolicyMutation.mutate(Data(SketchPolicy.json.utf8), field: knobs[0], value: knobs[1])
            do {
                let policy = try PolicyDecoder.decode(data)
                let problems = PolicyValidator.validate(policy.spec)
                for problem in problems { #expect(problem.field.hasPrefix("spec"), "\(changed): \(problem)") }
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
                #expect(error.field.hasPrefix("spec"), "\(changed): \(error)")
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
