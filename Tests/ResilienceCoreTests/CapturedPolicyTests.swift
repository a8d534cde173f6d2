import Foundation
import ResilienceCore
import TestSupport
import Testing

/// Policies as the real API server returned them, CRD defaults applied (hack/capture-fixtures.sh).
@Suite struct CapturedPolicyTests {
    @Test func minimalPolicyCarriesTheServerDefaults() throws {
        let policy = try PolicyDecoder.decode(Fixture.data("policy-minimal-defaulted.json"))
        #expect(policy.metadata.name == "minimal")
        #expect(policy.spec.dryRun == false)
        #expect(policy.spec.suspend == false)
        #expect(policy.spec.recovery?.steps == ["restartPod"])
        #expect(policy.spec.recovery?.stepTimeout.flatMap(PolicyDuration.init)?.duration == .seconds(120))
        #expect(policy.spec.safety?.minHealthy.flatMap(Threshold.init) == .percent(50))
        #expect(policy.spec.safety?.maxUnhealthy.flatMap(Threshold.init) == .percent(40))
        #expect(policy.spec.safety?.maxInFlight == 1)
        #expect(policy.metadata.generation == 1)
        #expect(PolicyValidator.validate(policy.spec) == [])
    }

    @Test func exampleWithMetricsAndSelectorDecodes() throws {
        let policy = try PolicyDecoder.decode(Fixture.data("policy-error-ratio-outliers.json"))
        #expect(policy.spec.selector?.matchLabels == ["tier": "checkout"])
        let metrics = try #require(policy.spec.health?.metrics)
        #expect(metrics.map(\.name) == ["error-ratio", "p99-latency"])
        #expect(metrics[0].deviationFromPeers == 0.5)
        #expect(metrics[0].onMissing == "freeze")
        #expect(metrics[1].onMissing == "ignore", "the server filled in the default")
        #expect(metrics[1].above == 1.5)
        #expect(policy.spec.health?.for.flatMap(PolicyDuration.init)?.duration == .seconds(60))
        #expect(PolicyValidator.validate(policy.spec) == [])
    }
}
