import Foundation

/// Loads a captured API server response from `Tests/Fixtures`.
public enum Fixture {
    public static func data(_ name: String) throws -> Data {
        let path = "\(RepositoryPaths.fixtures)/\(name)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TestSupportError("fixture \(path) is missing: run hack/capture-fixtures.sh")
        }
        return data
    }
}
