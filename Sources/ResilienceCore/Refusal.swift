/// Why a step cannot apply now, in words for the plan.
struct Refusal: Error {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
