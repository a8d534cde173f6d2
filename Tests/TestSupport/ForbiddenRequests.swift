/// Finds the log lines that report a request RBAC refused: the API server's 403 message always says
/// "forbidden"; a bare 403 counts too, but not as part of a longer number (a random namespace suffix)
/// nor as a fraction (a timestamp's milliseconds, `01:03:44.403Z`, or a duration, `0.403 s`), nor as a
/// duration (`403 ms`).
public enum ForbiddenRequests {
    public static func lines<S: StringProtocol>(in lines: [S]) -> [S] {
        lines.filter { line in
            line.lowercased().contains("forbidden") || standalone403(in: Array(line.utf8))
        }
    }

    private static func standalone403(in bytes: [UInt8]) -> Bool {
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard bytes.count >= 3 else { return false }
        for start in 0...(bytes.count - 3) where bytes[start..<start + 3].elementsEqual("403".utf8) {
            let before = start > 0 ? bytes[start - 1] : nil
            let after = start + 3 < bytes.count ? bytes[start + 3] : nil
            let fraction = before == UInt8(ascii: ".")
            // A duration (`"in":"403 ms"`, `403ms`) is no status either.
            let rest = String(decoding: bytes[(start + 3)...].prefix(3), as: UTF8.self)
            let duration = rest.hasPrefix(" ms") || rest.hasPrefix("ms") || rest.hasPrefix(" s\"")
            if !fraction && !duration && !(before.map(digits.contains) ?? false) && !(after.map(digits.contains) ?? false) { return true }
        }
        return false
    }
}
