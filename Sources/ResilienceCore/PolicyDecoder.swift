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
            let (field, message) = split(error)
            throw Failure(policy: name, field: field, message: message)
        }
    }

    private struct Named: Decodable {
        var metadata: ObjectMeta
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
