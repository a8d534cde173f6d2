import Foundation
import Logging
import OperatorRuntime
import Synchronization
import Testing

@Suite struct JSONLogHandlerTests {
    @Test func eachRecordIsOneJSONObjectWithItsMetadataAndTheRecordsOwnValuesWin() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "operator") { label in JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } } }
        logger[metadataKey: "replica"] = "a"
        logger[metadataKey: "policy"] = "from-logger"
        logger.info("acted on \"web\"\nnext line", metadata: ["policy": "shop/web", "action": "evicted pod web-1"])
        logger.debug("below the level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        #expect(written[0].hasSuffix("}\n") && written[0].filter { $0 == "\n" }.count == 1, "one line, its newline escaped")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String])
        #expect(object["message"] == "acted on \"web\"\nnext line")
        #expect(object["level"] == "info")
        #expect(object["logger"] == "operator")
        #expect(object["policy"] == "shop/web")
        #expect(object["replica"] == "a")
        #expect(object["action"] == "evicted pod web-1")
        #expect(object["time"].flatMap { ISO8601DateFormatter().date(from: String($0.prefix(19)) + "Z") } != nil, "\(object)")
    }
}
