import OperatorRuntime
import Testing

/// Work that must outlive its caller's cancellation: on for a grace, or to its end within a limit.
@Suite struct ShieldedTests {
    /// How long a sleep of `work` went on before it was cancelled (nil if it was never cancelled).
    private static func cancelledAfter(_ longest: Duration) async -> Duration? {
        let started = ContinuousClock.now
        do {
            try await Task.sleep(for: longest)
            return nil
        } catch {
            return ContinuousClock.now - started
        }
    }

    @Test func workGoesOnForTheGraceAfterItsCallerIsCancelled() async {
        let caller = Task { await Shielded.run(grace: .milliseconds(300)) { await Self.cancelledAfter(.seconds(30)) } }
        caller.cancel()
        let after = await caller.value
        #expect(after.map { $0 >= .milliseconds(300) && $0 < .seconds(10) } == true, "cancelled after \(String(describing: after))")
    }

    @Test func workThatIsNotCancelledRunsToItsEnd() async {
        let after = await Shielded.run(grace: .milliseconds(10)) { await Self.cancelledAfter(.milliseconds(50)) }
        #expect(after == nil)
    }

    @Test func workRunsToItsEndThoughItsCallerIsCancelledButNotPastTheLimit() async {
        let finished = Task { await Shielded.run(within: .seconds(10)) { await Self.cancelledAfter(.milliseconds(100)) } }
        finished.cancel()
        #expect(await finished.value == nil, "the caller's cancellation did not cut the work")
        let cut = Task { () -> Duration in
            let started = ContinuousClock.now
            await Shielded.run(within: .milliseconds(200)) { _ = await Self.cancelledAfter(.seconds(30)) }
            return ContinuousClock.now - started
        }
        let took = await cut.value
        #expect(took >= .milliseconds(200) && took < .seconds(10), "cut at the limit: \(took)")
    }
}
