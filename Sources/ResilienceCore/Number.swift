/// A number as status messages show it: at most three decimals, no trailing zeros.
struct Number: CustomStringConvertible {
    var value: Double

    init(_ value: Double) {
        self.value = value
    }

    var description: String {
        guard value.isFinite else { return "\(value)" }
        let scaled = (value * 1000).rounded() / 1000
        if scaled == scaled.rounded(), abs(scaled) < 1e15 { return String(Int64(scaled)) }
        var text = String(scaled)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
