import Foundation

/// Paths inside this repository, found from this source file's location.
public enum RepositoryPaths {
    /// The repository root.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `Tests/Fixtures`: objects captured from the real API server by `hack/capture-fixtures.sh`.
    public static let fixtures = root + "/Tests/Fixtures"
}
