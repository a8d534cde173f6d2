#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// Decodes a policy as the API server returns it, with errors that name the policy and the JSON path of
/// the bad field.
public enum PolicyDecoder {
    /// A policy that does not decode: its namespace and name when they could be read, and the field path.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var policy: String
        public var field: String
        public var message: String

        public init(policy: String, field: String, message: String) {
            self.policy = policy
            self.field = field
            self.message = message
        }

        public var description: String { "ResiliencePolicy \(policy): \(field): \(message)" }
    }

    public static func decode(_ data: Data) throws(Failure) -> ResiliencePolicy {
        let decoder = KubernetesJSON.decoder()
        do {
            let policy = try decoder.decode(ResiliencePolicy.self, from: data)
            if let problem = policy.decodingProblem {
                throw Failure(policy: "\(policy.metadata.namespace ?? "")/\(policy.metadata.name ?? "")", field: problem.field, message: problem.message)
            }
            return policy
        } catch let failure as Failure {
            throw failure
        } catch {
            let name = (try? decoder.decode(Named.self, from: data)).map { "\($0.metadata.namespace ?? "")/\($0.metadata.name ?? "")" } ?? "(unnamed)"
            guard let error = error as? DecodingError else {
                throw Failure(policy: name, field: "(top level)", message: "\(error)")
            }
            var (field, message) = split(error)
            if field == "(top level)", let number = misfit(in: data) {
                (field, message) = (number.field, "expected an integer, found \(number.value)")
            }
            throw Failure(policy: name, field: field, message: message)
        }
    }

    /// Foundation's decoder reports a number that does not fit its integer field (a fraction, or beyond
    /// Int64) as invalid JSON with no path. Finds that field: the number whose rounding lets the
    /// policy decode past it.
    static func misfit(in data: Data) -> (field: String, value: Double)? {
        let decoder = KubernetesJSON.decoder(), encoder = KubernetesJSON.encoder()
        guard case .object(let root) = try? decoder.decode(JSONValue.self, from: data), let spec = root["spec"] else { return nil }
        var numbers: [(path: [String], value: Double)] = []
        func collect(_ value: JSONValue, _ path: [String]) {
            switch value {
            case .number(let number) where number.rounded() != number || abs(number) > 9.2e18: numbers.append((path, number))
            case .object(let object): for (key, child) in object { collect(child, path + [key]) }
            case .array(let array): for (index, child) in array.enumerated() { collect(child, path + ["\(index)"]) }
            default: break
            }
        }
        collect(spec, ["spec"])
        for number in numbers.sorted(by: { $0.path.lexicographicallyPrecedes($1.path) }) {
            let fitted = replacing(.object(root), at: number.path[...], with: .number(max(-9e18, min(9e18, number.value.rounded()))))
            guard let bytes = try? encoder.encode(fitted) else { continue }
            do {
                _ = try decoder.decode(ResiliencePolicy.self, from: bytes)
            } catch let error as DecodingError {
                if case .dataCorrupted(let context) = error, context.codingPath.isEmpty { continue }
            } catch {
                continue
            }
            return (number.path.reduce("") { path, key in Int(key) != nil ? "\(path)[\(key)]" : path.isEmpty ? key : "\(path).\(key)" }, number.value)
        }
        return nil
    }

    private static func replacing(_ value: JSONValue, at path: ArraySlice<String>, with new: JSONValue) -> JSONValue {
        guard let key = path.first else { return new }
        switch value {
        case .object(var object):
            object[key] = object[key].map { replacing($0, at: path.dropFirst(), with: new) }
            return .object(object)
        case .array(var array):
            if let index = Int(key), array.indices.contains(index) { array[index] = replacing(array[index], at: path.dropFirst(), with: new) }
            return .array(array)
        default:
            return value
        }
    }

    private struct Named: Decodable {
        var metadata: ObjectMeta
    }

    /// `error` as a problem whose field is relative to `codingPath`, where the decoding that failed
    /// started (a policy in a list's items, a memory in a status).
    static func problem(_ error: DecodingError, below codingPath: [any CodingKey]) -> ValidationProblem {
        var (field, message) = split(error)
        let prefix = DecodingErrorDescription.path(codingPath)
        if !codingPath.isEmpty, field.hasPrefix(prefix) { field = String(field.dropFirst(prefix.count).drop { $0 == "." }) }
        return ValidationProblem(field, message)
    }

    static func split(_ error: DecodingError) -> (String, String) {
        switch error {
        case .keyNotFound(let key, let context):
            return (DecodingErrorDescription.path(context.codingPath + [key]), "required field is missing")
        case .typeMismatch(let type, let context):
            return (DecodingErrorDescription.path(context.codingPath), "expected \(type)")
        case .valueNotFound(let type, let context):
            return (DecodingErrorDescription.path(context.codingPath), "expected \(type), found null")
        case .dataCorrupted(let context):
            return (DecodingErrorDescription.path(context.codingPath), context.debugDescription)
        @unknown default:
            return ("(top level)", "\(error)")
        }
    }
}
