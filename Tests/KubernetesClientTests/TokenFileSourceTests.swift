import Foundation
import Testing
@testable import KubernetesClient

@Suite struct TokenFileSourceTests {
    private func tokenFile(_ contents: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try Data(contents.utf8).write(to: url)
        return url
    }

    @Test func trimsAndCachesWithinMaxAge() throws {
        let url = try tokenFile("first\n")
        defer { try? FileManager.default.removeItem(at: url) }
        let source = TokenFileSource(path: url.path, maxAge: .seconds(3600))
        #expect(try source.token() == "first")
        try Data("second".utf8).write(to: url)
        #expect(try source.token() == "first")
    }

    @Test func rereadsARotatedTokenOnceStale() throws {
        let url = try tokenFile("first")
        defer { try? FileManager.default.removeItem(at: url) }
        let source = TokenFileSource(path: url.path, maxAge: .zero)
        #expect(try source.token() == "first")
        try Data("second".utf8).write(to: url)
        #expect(try source.token() == "second")
    }

    @Test func missingOrEmptyFilesAreErrorsNamingThePath() throws {
        #expect(throws: ConfigurationError("token file /no/such/token cannot be read")) {
            try TokenFileSource(path: "/no/such/token").token()
        }
        let url = try tokenFile(" \n")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ConfigurationError("token file \(url.path) is empty")) {
            try TokenFileSource(path: url.path).token()
        }
    }
}
