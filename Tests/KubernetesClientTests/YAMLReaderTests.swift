import Foundation
import KubernetesClient
import TestSupport
import Testing
import Yams

/// The kubeconfig YAML reader, checked against Yams (a full YAML 1.1 parser) on the shapes kubeconfigs
/// take, and against files the current kubectl writes.
@Suite struct YAMLReaderTests {
    /// Documents in the subset the reader promises, each read by both parsers.
    static let documents: [String] = [
        // As kubectl writes it: sequences at their key's indentation, a flow map for empty preferences.
        """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: LS0tLS1CRUdJTg==
            server: https://127.0.0.1:6443
          name: local
        contexts:
        - context:
            cluster: local
            namespace: shop
            user: admin
          name: admin@local
        current-context: admin@local
        kind: Config
        preferences: {}
        users:
        - name: admin
          user:
            token: abc.def-ghi
        """,
        // Indented sequences, comments, quotes of both kinds, a document marker and CRLF line ends.
        "---\r\n# a comment\r\nclusters:\r\n  - name: 'it''s'   # trailing comment\r\n    cluster:\r\n      server: \"https://h:1/#not-a-comment\"\r\n      insecure-skip-tls-verify: true\r\ncurrent-context: \"\"\r\n",
        // Flow collections, nested, over two lines; plain scalars with colons and hashes inside.
        """
        contexts:
        - {name: a, context: {cluster: c1, user: u1, namespace: "ns,1"}}
        - name: b
          context: {cluster: c2,
                    user: u2}
        users: [{name: u1, user: {token: x#y}}, {name: u2, user: {}}]
        server: https://example.com:443/path
        empty:
        nothing: ~
        off: false
        """,
        // Block scalars: literal (kept, stripped, kept with trailing lines) and folded.
        """
        literal: |
          line one
            indented
          line three
        stripped: |-
          no final newline
        kept: |+
          keep

        folded: >
          one
          two

          three
        after: end
        """,
        // Exec credentials, as cloud CLIs write them: args as a block sequence, env as null.
        """
        users:
        - name: cloud
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              args:
              - token
              - --cluster-name
              - "prod"
              command: aws
              env: null
              interactiveMode: IfAvailable
              provideClusterInfo: false
        """,
        // A quoted key, escapes, a multi-line plain scalar and a nested sequence.
        """
        "quoted key": "tab\\tnewline\\nunicode\\u00e9"
        plain: this value
          goes on here
        matrix:
        - - a
          - b
        - - c
        """,
    ]

    @Test(arguments: documents.indices)
    func readsWhatYamsReads(_ index: Int) throws {
        let document = Self.documents[index]
        let ours = try JSONSerialization.jsonObject(with: Data(YAMLReader.json(from: document)), options: .fragmentsAllowed)
        let node = try #require(try Yams.compose(yaml: document))
        let theirs = Self.json(node)
        #expect(NSDictionary(dictionary: ["v": ours]).isEqual(to: ["v": theirs]), "ours: \(ours)\nYams: \(theirs)")
    }

    /// Yams's node as the reader's JSON: plain true/false/null resolved, every other scalar a string.
    private static func json(_ node: Yams.Node) -> Any {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return scalar.string }
            switch scalar.string {
            case "", "~", "null", "Null", "NULL": return NSNull()
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: return scalar.string
            }
        case .mapping(let mapping):
            var result: [String: Any] = [:]
            for (key, value) in mapping { result[key.string ?? ""] = json(value) }
            return result
        case .sequence(let sequence):
            return sequence.map(json)
        case .alias:
            return "alias"
        }
    }

    @Test func refusesWhatItDoesNotReadNamingTheLine() {
        let cases: [(String, String)] = [
            ("a: &anchor x\nb: *anchor", "line 1: anchors, aliases and tags are not supported"),
            ("a: !!str x", "line 1: anchors, aliases and tags are not supported"),
            ("a: 1\na: 2", "line 2: duplicate key 'a'"),
            ("a: 1\n---\nb: 2", "line 2: a second document; a kubeconfig holds one"),
            ("a:\n  b: 1\n c: 2", "line 3: bad indentation in a mapping"),
            ("a: [1, 2", "line 1: unclosed '['"),
            ("a: \"open", "line 1: unclosed quote"),
            ("a: \"bad \\q escape\"", "line 1: unknown escape '\\q'"),
            ("a: |2\n   x", "line 1: block scalar indentation indicators are not supported"),
        ]
        for (document, message) in cases {
            #expect(throws: YAMLReader.SyntaxError.self, "\(document)") { try YAMLReader.json(from: document) }
            do {
                _ = try YAMLReader.json(from: document)
            } catch {
                #expect(error.description == message)
            }
        }
    }

    @Test func emptyDocumentIsNull() throws {
        #expect(try YAMLReader.json(from: "") == Array("null".utf8))
        #expect(try YAMLReader.json(from: "# only a comment\n---\n") == Array("null".utf8))
    }

    /// A kubeconfig the current kubectl (the machine's v1.32) writes, read by the operator's loader.
    @Test func readsAKubeconfigTheCurrentKubectlWrites() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-written-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("config").path
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        try Data(pem.utf8).write(to: folder.appendingPathComponent("ca.crt"))
        for arguments in [
            ["config", "set-cluster", "prod", "--server=https://10.0.0.1:6443", "--certificate-authority=\(folder.path)/ca.crt", "--embed-certs=true"],
            ["config", "set-credentials", "ops", "--token=t0ken:with:colons"],
            ["config", "set-context", "prod-ops", "--cluster=prod", "--user=ops", "--namespace=payments"],
            ["config", "use-context", "prod-ops"],
        ] {
            let result = try await ProcessRunner.run("/usr/bin/kubectl", arguments + ["--kubeconfig", path])
            #expect(result.exitCode == 0, "\(result.output)")
        }
        let configuration = try KubeConfig.load(path: path).configuration()
        #expect(configuration.server == "https://10.0.0.1:6443")
        #expect(configuration.namespace == "payments")
        #expect(configuration.certificateAuthorityPEM == Array(pem.utf8))
        guard case .inline(let token) = configuration.token else {
            Issue.record("expected an inline token, got \(String(describing: configuration.token))")
            return
        }
        #expect(token == "t0ken:with:colons")
    }
}
