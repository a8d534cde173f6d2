import Foundation
import ResilienceCore

/// The policy from the API's design sketch, every section filled, as JSON the API server would return.
enum SketchPolicy {
    static let json = #"""
    {
      "apiVersion": "resilience.dev/v1alpha1", "kind": "ResiliencePolicy",
      "metadata": {"name": "web", "namespace": "shop", "generation": 1},
      "spec": {
        "targetRef": {"kind": "Deployment", "name": "web"},
        "dryRun": false, "suspend": false,
        "health": {
          "notReadyFor": "30s",
          "restarts": {"limit": 3, "window": "10m"},
          "waitingReasons": ["CrashLoopBackOff", "ImagePullBackOff", "CreateContainerConfigError"],
          "terminatedReasons": ["OOMKilled"],
          "pendingFor": "5m",
          "probe": {"httpGet": {"path": "/healthz", "port": 8080}, "period": "5s", "timeout": "1s", "failureThreshold": 3},
          "metrics": [{"name": "error-ratio", "query": "sum by (pod)(rate(http_requests_total{code=~\"5..\",app=\"web\"}[1m])) / sum by (pod)(rate(http_requests_total{app=\"web\"}[1m]))", "above": 0.05, "onMissing": "ignore"}],
          "for": "30s"
        },
        "recovery": {"steps": ["restartPod", "isolate", "scaleUp", "rollback", "rolloutRestart"], "stepTimeout": "2m",
                     "podRestart": "evict", "isolation": "readinessGate", "scaleUp": {"maxSurge": 2}},
        "safety": {"maxActions": {"count": 10, "window": "1h"}, "maxInFlight": 1, "cooldown": "2m", "minHealthy": "50%", "maxUnhealthy": "40%"},
        "alerting": {"alertmanager": {"url": "http://alertmanager.monitoring:9093"},
                     "webhooks": [{"urlFrom": {"secretKeyRef": {"name": "hooks", "key": "oncall"}}, "format": "generic"}]}
      }
    }
    """#

    static func spec() throws -> PolicySpec {
        try PolicyDecoder.decode(Data(json.utf8)).spec
    }
}
