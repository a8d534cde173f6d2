import Foundation
import ResilienceCore
import Testing

@Suite struct PolicyValueTests {
    @Test(arguments: [("30s", 30_000), ("10m", 600_000), ("1h30m", 5_400_000), ("500ms", 500), ("1m30s", 90_000), ("0s", 0), ("2h", 7_200_000)])
    func durationsParse(text: String, milliseconds: Int64) throws {
        let duration = try #require(PolicyDuration(text))
        #expect(duration.duration == .milliseconds(milliseconds))
        #expect(duration.description == text)
    }

    @Test(arguments: ["", "30", "s", "1.5s", "10m5h", "-1s", "1d", "1h1h", "30 s", " 30s", "1000000000s"])
    func malformedDurationsAreRefused(text: String) {
        #expect(PolicyDuration(text) == nil)
    }

    @Test func thresholdsResolveAgainstTheTotal() throws {
        // Each rounds toward safety: a floor (minHealthy) asks for more, a ceiling (maxUnhealthy) allows fewer.
        #expect(Threshold(.string("50%"))?.atLeast(of: 5) == 3, "a floor rounds up, as minAvailable does")
        #expect(Threshold(.string("60%"))?.atMost(of: 4) == 2, "a ceiling rounds down: 3 of 4 (75%) exceed 60%")
        #expect(Threshold(.string("50%"))?.atMost(of: 4) == 2, "exactly the share is not above it")
        #expect(Threshold(.string("0%"))?.atLeast(of: 5) == 0)
        #expect(Threshold(.string("100%"))?.atMost(of: 5) == 5)
        #expect(Threshold(.int(2))?.atLeast(of: 5) == 2)
        #expect(Threshold(.int(2))?.atMost(of: 5) == 2)
        #expect(Threshold(.string("101%")) == nil)
        #expect(Threshold(.string("5")) == nil)
        #expect(Threshold(.int(-1)) == nil)
    }

    @Test func decodingErrorsNameThePolicyAndTheField() throws {
        let broken = SketchPolicy.json.replacingOccurrences(of: #""maxInFlight": 1"#, with: #""maxInFlight": "one""#)
        #expect(broken != SketchPolicy.json)
        #expect(throws: PolicyDecoder.Failure(policy: "shop/web", field: "spec.safety.maxInFlight", message: "expected Int")) {
            try PolicyDecoder.decode(Data(broken.utf8))
        }
        let missing = SketchPolicy.json.replacingOccurrences(of: #""limit": 3, "#, with: "")
        let error = try #require(throws: PolicyDecoder.Failure.self) { try PolicyDecoder.decode(Data(missing.utf8)) }
        #expect(error.description == "ResiliencePolicy shop/web: spec.health.restarts.limit: required field is missing")
    }

    /// Foundation's decoder says "not valid JSON" with no path for a fraction in an integer field: the
    /// policy's decoder finds the field itself.
    @Test func aFractionInAnIntegerFieldIsNamed() throws {
        let broken = SketchPolicy.json.replacingOccurrences(of: #""maxSurge": 2"#, with: #""maxSurge": 0.5"#)
        #expect(broken != SketchPolicy.json)
        #expect(throws: PolicyDecoder.Failure(policy: "shop/web", field: "spec.recovery.scaleUp.maxSurge", message: "expected an integer, found 0.5")) {
            try PolicyDecoder.decode(Data(broken.utf8))
        }
    }

    @Test func aListWithOneUndecodablePolicyKeepsTheOthersAndNamesTheField() throws {
        let broken = SketchPolicy.json.replacingOccurrences(of: #""maxInFlight": 1"#, with: #""maxInFlight": "one""#)
        let list = "[\(broken), \(SketchPolicy.json.replacingOccurrences(of: #""name": "web""#, with: #""name": "api""#))]"
        let policies = try JSONDecoder().decode([ResiliencePolicy].self, from: Data(list.utf8))
        #expect(policies.map(\.metadata.name) == ["web", "api"])
        #expect(policies[0].decodingProblem == ValidationProblem("spec.safety.maxInFlight", "expected Int"))
        #expect(policies[0].spec == PolicySpec(), "an undecodable spec is empty, never half read")
        #expect(policies[1].decodingProblem == nil)
        #expect(policies[1].spec.safety?.maxInFlight == 1)
    }

    @Test func theSketchDecodesEverySection() throws {
        let policy = try PolicyDecoder.decode(Data(SketchPolicy.json.utf8))
        #expect(policy.spec.targetRef == TargetReference(kind: "Deployment", name: "web"))
        #expect(policy.spec.health?.metrics?.first?.above == 0.05)
        #expect(policy.spec.recovery?.steps?.count == 5)
        #expect(policy.spec.safety?.minHealthy == .string("50%"))
        #expect(policy.spec.alerting?.webhooks?.first?.urlFrom.secretKeyRef.name == "hooks")
    }
}
