/// The project's version: `resilience-operator --version`, the client's User-Agent and the image's tag.
public enum ProjectVersion {
    public static let current = "0.1.0"
}
