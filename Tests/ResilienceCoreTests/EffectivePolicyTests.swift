import Foundation
import KubernetesAPI
import ResilienceCore
import TestSupport
import Testing

/// How a policy's spec is read for planning.
@Suite struct EffectivePolicyTests {
    @Test func theOperatorsDefaultsAreTheCRDsDefaults() throws {
        let defaulted = try PolicyDecoder.decode(Fixture.data("policy-minimal-defaulted.json"))
        let bare = PolicySpec(targetRef: TargetReference(kind: "Deployment", name: "web"))
        #expect(try EffectivePolicy(defaulted.spec) == EffectivePolicy(bare))
        let policy = try EffectivePolicy(bare)
        #expect(policy.ladder == [.restartPod])
        #expect(policy.stepTimeout.text == "2m")
        #expect(policy.evicts)
        #expect(policy.cooldown.text == "2m")
        #expect(policy.minHealthy == .percent(50))
        #expect(policy.maxUnhealthy == .percent(40))
        #expect(policy.maxInFlight == 1)
        #expect(policy.budget == nil)
    }

    @Test func anInvalidSpecIsRefusedWithEveryProblem() throws {
        var spec = PolicySpec()
        spec.safety = SafetyLimits()
        spec.safety?.cooldown = "soon"
        let error = #expect(throws: EffectivePolicy.Invalid.self) { try EffectivePolicy(spec) }
        #expect(error?.problems.map(\.field) == ["spec", "spec.safety.cooldown"])
    }
}
