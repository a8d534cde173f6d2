// swift-tools-version:6.1
import PackageDescription

/// The rooms of the operator, and the one direction their dependencies point:
/// resilience-operator -> ResilienceOperator -> OperatorRuntime -> KubernetesClient -> KubernetesAPI,
/// and ResilienceCore (pure decisions) -> KubernetesAPI.
let package = Package(
    name: "resilience-operator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "resilience-operator", targets: ["resilience-operator"]),
        .executable(name: "resilience-simulator", targets: ["resilience-simulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Without its default traits: FullFoundation would link full Foundation and ICU's data into the
        // operator (about 30 MB), ConfigurationSupport swift-configuration, neither of which it uses.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
    ],
    targets: [
        // Kubernetes API types: Codable projections of the objects the operator reads. No I/O.
        .target(name: "KubernetesAPI"),
        // Speaks HTTP to the API server: configuration, TLS, verbs, errors. Decides nothing.
        .target(
            name: "KubernetesClient",
            dependencies: [
                "KubernetesAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Watchers, the cache, the work queue, leader election, Events.
        .target(
            name: "OperatorRuntime",
            dependencies: [
                "KubernetesClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The pure resilience decisions: health judgement and planning. No I/O, no clock of its own.
        .target(name: "ResilienceCore", dependencies: ["KubernetesAPI"]),
        // Plays the kubelet for simulated nodes, with per-pod HTTP health and metrics, and injects faults.
        .target(
            name: "PodSimulator",
            dependencies: [
                "OperatorRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Faults between the operator and the API server (a TCP proxy that stalls or cuts streams), for the
        // fault tests and `resilience-bench faults`; never linked into the operator.
        .target(
            name: "FaultInjection",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        // Reconcilers, executors and HTTP endpoints.
        .target(
            name: "ResilienceOperator",
            dependencies: [
                "OperatorRuntime", "ResilienceCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // What the operator's and the simulator's command lines share: reaching the cluster.
        .target(
            name: "CommandSupport",
            dependencies: ["KubernetesClient", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The operator's binary, the one the image carries: no simulator, no full Foundation.
        .executableTarget(
            name: "resilience-operator",
            dependencies: [
                "CommandSupport",
                "KubernetesAPI",
                "KubernetesClient",
                "OperatorRuntime",
                "ResilienceOperator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The kubelet of simulated nodes and the fault injector, for the local plane.
        .executableTarget(
            name: "resilience-simulator",
            dependencies: [
                "CommandSupport",
                "KubernetesClient",
                "PodSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Prints speed and memory figures: `swift run -c release resilience-bench`.
        // libFuzzer over the decoders of watch events, Status and policies (hack/fuzz.sh); built plainly,
        // it replays the committed corpus.
        .executableTarget(name: "fuzz-decoders", dependencies: ["KubernetesAPI", "ResilienceCore"]),
        .executableTarget(
            name: "resilience-bench",
            dependencies: [
                "KubernetesAPI", "OperatorRuntime", "ResilienceCore", "PodSimulator", "ResilienceOperator", "FaultInjection",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Finds or starts the local control plane for integration tests; never used by the operator.
        .target(
            name: "TestSupport",
            dependencies: ["KubernetesClient", "ResilienceCore", "PodSimulator", .product(name: "Yams", package: "Yams")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "KubernetesAPITests", dependencies: ["KubernetesAPI", "TestSupport"]),
        .testTarget(
            name: "KubernetesClientTests",
            dependencies: [
                "KubernetesClient", "TestSupport", .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PodSimulatorTests", dependencies: ["PodSimulator", "OperatorRuntime", "TestSupport", .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(
            name: "ResilienceOperatorTests",
            dependencies: ["ResilienceOperator", "PodSimulator", "FaultInjection", "TestSupport", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .testTarget(name: "ControlPlaneTests", dependencies: ["KubernetesClient", "TestSupport"]),
        .testTarget(
            name: "ResilienceCoreTests",
            dependencies: ["ResilienceCore", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "ImageTests", dependencies: ["KubernetesAPI", "KubernetesClient", "PodSimulator", "ResilienceCore", "TestSupport"]),
        .testTarget(
            name: "PolicyAPITests",
            dependencies: ["ResilienceCore", "KubernetesClient", "TestSupport", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "OperatorRuntimeTests",
            dependencies: [
                "OperatorRuntime", "FaultInjection", "TestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
