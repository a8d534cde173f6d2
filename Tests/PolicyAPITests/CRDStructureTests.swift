import Foundation
import KubernetesClient
import TestSupport
import Testing
import Yams

/// The CRD file as a current API server reads it: every schema node holds only JSONSchemaProps fields
/// and every column only column fields (a flow-style value cut at a comma turns the rest into unknown
/// keys, which kubectl >= 1.25 and strict servers refuse), every field is explained, and the server
/// stores exactly what the file says.
@Suite struct CRDStructureTests {
    static let file = RepositoryPaths.root + "/crds/resilience.dev_resiliencepolicies.yaml"

    /// The fields of apiextensions.k8s.io/v1 JSONSchemaProps.
    static let schemaFields: Set<String> = [
        "id", "$schema", "$ref", "description", "type", "format", "title", "default", "maximum", "exclusiveMaximum",
        "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
        "multipleOf", "enum", "maxProperties", "minProperties", "required", "items", "allOf", "oneOf", "anyOf", "not",
        "properties", "additionalProperties", "patternProperties", "dependencies", "additionalItems", "definitions",
        "externalDocs", "example", "nullable", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
        "x-kubernetes-int-or-string", "x-kubernetes-list-map-keys", "x-kubernetes-list-type", "x-kubernetes-map-type",
        "x-kubernetes-validations",
    ]
    /// The fields of apiextensions.k8s.io/v1 CustomResourceColumnDefinition.
    static let columnFields: Set<String> = ["name", "type", "format", "description", "priority", "jsonPath"]

    static func version() throws -> [String: Any] {
        let document = try #require(try Yams.load(yaml: String(contentsOfFile: file, encoding: .utf8)) as? [String: Any])
        let versions = try #require((document["spec"] as? [String: Any])?["versions"] as? [[String: Any]])
        return try #require(versions.first)
    }

    /// Every schema node, with its path.
    static func nodes(_ node: [String: Any], path: String) -> [(String, [String: Any])] {
        var result = [(path, node)]
        for key in ["properties", "patternProperties", "definitions"] {
            for (name, child) in node[key] as? [String: Any] ?? [:] {
                if let child = child as? [String: Any] { result += nodes(child, path: "\(path).\(name)") }
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let child = node[key] as? [String: Any] { result += nodes(child, path: "\(path).\(key)") }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for (index, child) in (node[key] as? [[String: Any]] ?? []).enumerated() { result += nodes(child, path: "\(path).\(key)[\(index)]") }
        }
        return result
    }

    @Test func everySchemaNodeAndColumnHoldsOnlyKnownFields() throws {
        let version = try Self.version()
        let schema = try #require((version["schema"] as? [String: Any])?["openAPIV3Schema"] as? [String: Any])
        let all = Self.nodes(schema, path: "openAPIV3Schema")
        #expect(all.count > 50)
        for (path, node) in all {
            let unknown = Set(node.keys).subtracting(Self.schemaFields)
            #expect(unknown.isEmpty, "\(path): unknown fields \(unknown.sorted())")
        }
        let columns = try #require(version["additionalPrinterColumns"] as? [[String: Any]])
        for column in columns {
            let unknown = Set(column.keys).subtracting(Self.columnFields)
            #expect(unknown.isEmpty, "column \(column["name"] ?? "?"): unknown fields \(unknown.sorted())")
        }
    }

    @Test func everyFieldIsExplained() throws {
        let version = try Self.version()
        let schema = try #require((version["schema"] as? [String: Any])?["openAPIV3Schema"] as? [String: Any])
        // What kubectl explain shows: each named property (list items and alternatives describe nothing new).
        for (path, node) in Self.nodes(schema, path: "openAPIV3Schema")
        where !path.hasSuffix(".items") && !path.contains("Of[") && !path.hasSuffix(".additionalProperties") && path != "openAPIV3Schema.metadata" {
            let description = node["description"] as? String ?? ""
            #expect(description.count >= 10, "\(path) has no description kubectl explain could show")
        }
    }

    @Test func theServerStoresWhatTheFileSays() async throws {
        let plane = try await PolicyCRD.installed()
        let version = try Self.version()
        let stored = try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await client.send(.GET, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/resiliencepolicies.resilience.dev")
        }
        let crd = try #require(try JSONSerialization.jsonObject(with: Data(stored)) as? [String: Any])
        let storedVersion = try #require(((crd["spec"] as? [String: Any])?["versions"] as? [[String: Any]])?.first)
        for key in ["schema", "additionalPrinterColumns", "subresources"] {
            let differences = Self.differences(version[key], storedVersion[key], path: key)
            #expect(differences.isEmpty, "the server's CRD differs from the file: \(differences.prefix(10))")
        }
    }

    /// Where two JSON-like values differ, by path; numbers and booleans compare by value.
    static func differences(_ file: Any?, _ server: Any?, path: String) -> [String] {
        switch (file, server) {
        case (let a as [String: Any], let b as [String: Any]):
            return Set(a.keys).union(b.keys).sorted().flatMap { differences(a[$0], b[$0], path: "\(path).\($0)") }
        case (let a as [Any], let b as [Any]):
            guard a.count == b.count else { return ["\(path): \(a.count) items in the file, \(b.count) stored"] }
            return zip(a, b).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]") }
        case (nil, nil):
            return []
        case (let a?, let b?):
            return "\(a)" == "\(b)" || (a as? NSNumber)?.isEqual(b as? NSNumber) == true ? [] : ["\(path): '\(a)' in the file, '\(b)' stored"]
        default:
            return ["\(path): \(file.map { "'\($0)'" } ?? "absent") in the file, \(server.map { "'\($0)'" } ?? "absent") stored"]
        }
    }
}
