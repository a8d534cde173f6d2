/// Reads the YAML that kubeconfig files are written in, and turns it into JSON for `JSONDecoder`.
///
/// kubectl, cloud CLIs and hand-written kubeconfigs use block mappings and sequences (a sequence may
/// stand at its key's indentation), plain, single- and double-quoted scalars, literal and folded block
/// scalars, flow collections (`{}`, `[a, b]`, `{cluster: prod, user: ops}`) and comments. That is what
/// this reads. Anchors, aliases, tags and several documents are refused with the line named, never
/// guessed at. It exists so that the operator's binary does not carry a YAML library that needs full
/// Foundation and its ICU data (see README, "Image").
///
/// Scalars become JSON strings, except plain `true`/`false` (booleans) and plain `null`, `~` or nothing
/// (null), as YAML 1.2's core schema reads them; numbers stay strings, since no kubeconfig field is one.
public struct YAMLReader {
    /// A syntax error or an unsupported construct, with its 1-based line.
    public struct SyntaxError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    private enum Node {
        case null
        case bool(Bool)
        case string(String)
        case sequence([Node])
        case mapping([(String, Node)])
    }

    /// One line of the text: its indentation, its content without indentation, and its number.
    private struct Line {
        var indent: Int
        var text: Substring
        var number: Int
    }

    private var lines: [Line]
    private var position = 0

    private init(_ text: String) {
        // "\r\n" is one Character: split on every line break, whichever its kind.
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().map { index, raw in
            let content = raw.drop { $0 == " " }
            return Line(indent: raw.count - content.count, text: content, number: index + 1)
        }
    }

    /// The JSON form of the single YAML document in `text`.
    public static func json(from text: String) throws(SyntaxError) -> [UInt8] {
        var reader = YAMLReader(text)
        reader.skipBlank()
        if reader.position < reader.lines.count, Self.isDocumentMarker(reader.lines[reader.position].text) {
            reader.position += 1
            reader.skipBlank()
        }
        let node: Node
        if reader.position < reader.lines.count {
            let first = reader.lines[reader.position]
            guard first.indent == 0 || reader.lines[reader.position...].allSatisfy({ Self.isBlank($0.text) || $0.indent >= first.indent }) else {
                throw SyntaxError(line: first.number, message: "bad indentation")
            }
            node = try reader.block(indent: first.indent)
        } else {
            node = .null
        }
        reader.skipBlank()
        if reader.position < reader.lines.count {
            let line = reader.lines[reader.position]
            if Self.isDocumentMarker(line.text) {
                throw SyntaxError(line: line.number, message: "a second document; a kubeconfig holds one")
            }
            throw SyntaxError(line: line.number, message: "unexpected content at indentation \(line.indent)")
        }
        var out: [UInt8] = []
        Self.write(node, to: &out)
        return out
    }

    // MARK: Block structure

    /// The node that starts at the current line, whose indentation is `indent`.
    private mutating func block(indent: Int) throws(SyntaxError) -> Node {
        let line = lines[position]
        let text = Self.stripComment(line.text)
        if text == "-" || text.hasPrefix("- ") {
            return try sequence(indent: indent)
        }
        if try Self.splitKey(text, line: line.number) != nil {
            return try mapping(indent: indent)
        }
        position += 1
        return try value(text, line: line, parentIndent: indent - 1)
    }

    private mutating func sequence(indent: Int) throws(SyntaxError) -> Node {
        var items: [Node] = []
        while position < lines.count {
            skipBlank()
            guard position < lines.count else { break }
            let line = lines[position]
            let text = Self.stripComment(line.text)
            guard line.indent == indent, text == "-" || text.hasPrefix("- ") else {
                if line.indent > indent { throw SyntaxError(line: line.number, message: "bad indentation in a sequence") }
                break
            }
            let rest = text.dropFirst().drop { $0 == " " }
            if rest.isEmpty {
                position += 1
                items.append(try nested(below: indent))
            } else {
                // "- key: value" or "- - x": the rest is a node at the column it starts in.
                let column = indent + (text.count - rest.count)
                lines[position] = Line(indent: column, text: line.text.dropFirst(text.count - rest.count), number: line.number)
                items.append(try block(indent: column))
            }
        }
        return .sequence(items)
    }

    private mutating func mapping(indent: Int) throws(SyntaxError) -> Node {
        var entries: [(String, Node)] = []
        var seen = Set<String>()
        while position < lines.count {
            skipBlank()
            guard position < lines.count else { break }
            let line = lines[position]
            guard line.indent == indent, !Self.isDocumentMarker(line.text) else {
                if line.indent > indent { throw SyntaxError(line: line.number, message: "bad indentation in a mapping") }
                break
            }
            let text = Self.stripComment(line.text)
            guard let (key, rest) = try Self.splitKey(text, line: line.number) else {
                throw SyntaxError(line: line.number, message: "expected 'key: value'")
            }
            guard seen.insert(key).inserted else {
                throw SyntaxError(line: line.number, message: "duplicate key '\(key)'")
            }
            position += 1
            let node: Node
            if rest.isEmpty {
                skipBlank()
                if position < lines.count, lines[position].indent == indent,
                   Self.stripComment(lines[position].text) == "-" || lines[position].text.hasPrefix("- ") {
                    node = try sequence(indent: indent)  // a sequence may stand at its key's indentation
                } else {
                    node = try nested(below: indent)
                }
            } else {
                node = try value(rest, line: line, parentIndent: indent)
            }
            entries.append((key, node))
        }
        return .mapping(entries)
    }

    /// The node on the following lines, indented deeper than `indent`, or null when there is none.
    private mutating func nested(below indent: Int) throws(SyntaxError) -> Node {
        skipBlank()
        guard position < lines.count, lines[position].indent > indent else { return .null }
        return try block(indent: lines[position].indent)
    }

    /// A value written after `key:` or `- ` (or alone on its line): a scalar, a flow collection or a
    /// block scalar header.
    private mutating func value(_ text: Substring, line: Line, parentIndent: Int) throws(SyntaxError) -> Node {
        guard let first = text.first else { return .null }
        switch first {
        case "&", "*", "!":
            throw SyntaxError(line: line.number, message: "anchors, aliases and tags are not supported")
        case "|", ">":
            return try blockScalar(header: text, line: line, parentIndent: parentIndent)
        case "[", "{":
            return try flowValue(
                text, line: line, what: "flow collection", unclosed: "unclosed '\(first)'",
                complete: Self.balanced, continuation: Self.stripComment)
        case "\"", "'":
            return try flowValue(
                text, line: line, what: "quoted scalar", unclosed: "unclosed quote",
                complete: { !Self.openQuote($0) }, continuation: { $0.trimmingSpaces })
        default:
            // A plain scalar may go on over more deeply indented lines, folded with spaces.
            var words = [String(text)]
            while position < lines.count, lines[position].indent > parentIndent, !Self.isBlank(lines[position].text),
                  try Self.splitKey(Self.stripComment(lines[position].text), line: lines[position].number) == nil {
                words.append(String(Self.stripComment(lines[position].text)))
                position += 1
            }
            return Self.plain(words.joined(separator: " "))
        }
    }

    /// A flow collection or a quoted scalar, which may go on over the following lines until `complete`.
    private mutating func flowValue(
        _ text: Substring, line: Line, what: String, unclosed: String,
        complete: (String) -> Bool, continuation: (Substring) -> Substring
    ) throws(SyntaxError) -> Node {
        var source = String(text)
        while !complete(source) {
            guard position < lines.count else { throw SyntaxError(line: line.number, message: unclosed) }
            source += " " + continuation(lines[position].text)
            position += 1
        }
        var flow = FlowParser(text: Array(source.unicodeScalars), line: line.number)
        let node = try flow.node()
        flow.skipSpaces()
        guard flow.atEnd else { throw SyntaxError(line: line.number, message: "unexpected text after the \(what)") }
        return node
    }

    /// `|` or `>`, with an optional chomping indicator (`-` strips the final newline, `+` keeps blank
    /// lines at the end), and the more deeply indented lines that follow.
    private mutating func blockScalar(header: Substring, line: Line, parentIndent: Int) throws(SyntaxError) -> Node {
        let folded = header.first == ">"
        var chomp: Character = " "
        for character in header.dropFirst() {
            switch character {
            case "-", "+": chomp = character
            case "1"..."9": throw SyntaxError(line: line.number, message: "block scalar indentation indicators are not supported")
            default: throw SyntaxError(line: line.number, message: "unexpected '\(character)' after '\(header.first!)'")
            }
        }
        var body: [Substring] = []
        var contentIndent: Int?
        while position < lines.count {
            let next = lines[position]
            if next.text.isEmpty { body.append(""); position += 1; continue }
            if contentIndent == nil {
                guard next.indent > parentIndent else { break }
                contentIndent = next.indent
            }
            guard next.indent >= contentIndent! else { break }
            body.append(Substring(String(repeating: " ", count: next.indent - contentIndent!)) + next.text)
            position += 1
        }
        var trailing = 0
        while body.last == "" { body.removeLast(); trailing += 1 }
        var text: String
        if folded {
            text = ""
            // Lines fold into spaces; an empty line stands for one line break.
            for (index, part) in body.enumerated() {
                if part.isEmpty {
                    text += "\n"
                    continue
                }
                if index > 0 && !body[index - 1].isEmpty { text += " " }
                text += part
            }
        } else {
            text = body.joined(separator: "\n")
        }
        switch chomp {
        case "-": break
        case "+": text += String(repeating: "\n", count: trailing + (body.isEmpty ? 0 : 1))
        default: if !body.isEmpty { text += "\n" }
        }
        return .string(text)
    }

    // MARK: Lines

    private mutating func skipBlank() {
        while position < lines.count, Self.isBlank(lines[position].text) { position += 1 }
    }

    private static func isBlank(_ text: Substring) -> Bool {
        text.isEmpty || text.first == "#"
    }

    private static func isDocumentMarker(_ text: Substring) -> Bool {
        text == "---" || text.hasPrefix("--- ")
    }

    /// The line without a trailing comment: `#` at the start or after a space, outside quotes.
    private static func stripComment(_ text: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if open == "\"" && character == "\\" {
                    index = text.index(after: index)
                } else if character == open {
                    quote = nil
                }
            } else if character == "#" && (previous == " " || previous == "\t") {
                return text[..<index].trimmingSpaces
            } else if (character == "\"" || character == "'") && (index == text.startIndex || " \t[{,:".contains(previous)) {
                quote = character
            }
            previous = character
            if index < text.endIndex { index = text.index(after: index) }
        }
        return text.trimmingSpaces
    }

    /// `key` and the rest when `text` is `key: rest` or `key:`, the key plain or quoted.
    private static func splitKey(_ text: Substring, line: Int) throws(SyntaxError) -> (String, Substring)? {
        guard let first = text.first, first != "[", first != "{", first != "-" || text.count > 1 && text.dropFirst().first != " " else {
            return nil
        }
        if first == "\"" || first == "'" {
            var flow = FlowParser(text: Array(text.unicodeScalars), line: line)
            guard case .string(let key) = try flow.node() else { return nil }
            flow.skipSpaces()
            guard flow.take(":") else { return nil }
            guard flow.atEnd || flow.peek == " " else { return nil }
            return (key, Substring(String(String.UnicodeScalarView(flow.text[flow.index...]))).trimmingSpaces)
        }
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == ":" {
                let after = text.index(after: index)
                if after == text.endIndex || text[after] == " " || text[after] == "\t" {
                    return (String(text[..<index].trimmingSpaces), text[after...].trimmingSpaces)
                }
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func balanced(_ text: String) -> Bool {
        var depth = 0
        var quote: Character?
        var escaped = false
        for character in text {
            if let open = quote {
                if escaped { escaped = false } else if open == "\"" && character == "\\" { escaped = true } else if character == open { quote = nil }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            default: break
            }
        }
        return depth <= 0 && quote == nil
    }

    private static func openQuote(_ text: String) -> Bool {
        guard let open = text.first else { return false }
        var escaped = false
        for character in text.dropFirst() {
            if escaped { escaped = false; continue }
            if open == "\"" && character == "\\" { escaped = true; continue }
            if character == open { return false }
        }
        return true
    }

    /// A plain scalar as YAML 1.2's core schema reads it, numbers left as strings.
    private static func plain(_ text: String) -> Node {
        switch text {
        case "", "~", "null", "Null", "NULL": .null
        case "true", "True", "TRUE": .bool(true)
        case "false", "False", "FALSE": .bool(false)
        default: .string(text)
        }
    }

    // MARK: Flow collections and quoted scalars

    private struct FlowParser {
        var text: [Unicode.Scalar]
        var index = 0
        var line: Int

        var atEnd: Bool { index >= text.count }
        var peek: Unicode.Scalar? { atEnd ? nil : text[index] }

        mutating func skipSpaces() {
            while let c = peek, c == " " || c == "\t" { index += 1 }
        }

        mutating func take(_ c: Unicode.Scalar) -> Bool {
            guard peek == c else { return false }
            index += 1
            return true
        }

        func error(_ message: String) -> SyntaxError { SyntaxError(line: line, message: message) }

        mutating func node() throws(SyntaxError) -> Node {
            skipSpaces()
            switch peek {
            case "{"?:
                index += 1
                var entries: [(String, Node)] = []
                while true {
                    skipSpaces()
                    if take("}") { return .mapping(entries) }
                    let keyNode = try scalar(stoppingAt: [":", ",", "}"])
                    let key: String
                    switch keyNode {
                    case .string(let s): key = s
                    case .bool(let b): key = b ? "true" : "false"
                    case .null: key = ""
                    default: throw error("a flow mapping key must be a scalar")
                    }
                    skipSpaces()
                    let value: Node = take(":") ? try node() : .null
                    if entries.contains(where: { $0.0 == key }) { throw error("duplicate key '\(key)'") }
                    entries.append((key, value))
                    skipSpaces()
                    if take(",") { continue }
                    guard take("}") else { throw error("expected ',' or '}' in a flow mapping") }
                    return .mapping(entries)
                }
            case "["?:
                index += 1
                var items: [Node] = []
                while true {
                    skipSpaces()
                    if take("]") { return .sequence(items) }
                    items.append(try node())
                    skipSpaces()
                    if take(",") { continue }
                    guard take("]") else { throw error("expected ',' or ']' in a flow sequence") }
                    return .sequence(items)
                }
            case "&"?, "*"?, "!"?:
                throw error("anchors, aliases and tags are not supported")
            default:
                return try scalar(stoppingAt: [",", "]", "}"])
            }
        }

        /// A quoted scalar, or a plain one that ends at `stops` or at ': '.
        mutating func scalar(stoppingAt stops: Set<Unicode.Scalar>) throws(SyntaxError) -> Node {
            skipSpaces()
            if take("\"") { return .string(try doubleQuoted()) }
            if take("'") {
                var out = String.UnicodeScalarView()
                while true {
                    guard let c = peek else { throw error("unclosed single quote") }
                    index += 1
                    if c == "'" {
                        if take("'") { out.append("'") } else { return .string(String(out)) }
                    } else {
                        out.append(c)
                    }
                }
            }
            var out = String.UnicodeScalarView()
            while let c = peek, !stops.contains(c) || (c == ":" && index + 1 < text.count && text[index + 1] != " ") {
                out.append(c)
                index += 1
            }
            return YAMLReader.plain(String(Substring(String(out)).trimmingSpaces))
        }

        mutating func doubleQuoted() throws(SyntaxError) -> String {
            var out = String.UnicodeScalarView()
            while true {
                guard let c = peek else { throw error("unclosed double quote") }
                index += 1
                switch c {
                case "\"":
                    return String(out)
                case "\\":
                    guard let e = peek else { throw error("unclosed double quote") }
                    index += 1
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "0": out.append("\0")
                    case "\"", "\\", "/", " ": out.append(e)
                    case "x", "u", "U":
                        let width = e == "x" ? 2 : e == "u" ? 4 : 8
                        guard index + width <= text.count,
                              let value = UInt32(String(String.UnicodeScalarView(text[index..<index + width])), radix: 16),
                              let scalar = Unicode.Scalar(value) else {
                            throw error("bad \\\(e) escape")
                        }
                        out.append(scalar)
                        index += width
                    default:
                        throw error("unknown escape '\\\(e)'")
                    }
                default:
                    out.append(c)
                }
            }
        }
    }

    // MARK: JSON

    private static func write(_ node: Node, to out: inout [UInt8]) {
        switch node {
        case .null: out += Array("null".utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .string(let value): writeString(value, to: &out)
        case .sequence(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .mapping(let entries):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in entries.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let c = result.first, c == " " || c == "\t" { result = result.dropFirst() }
        while let c = result.last, c == " " || c == "\t" { result = result.dropLast() }
        return result
    }
}
