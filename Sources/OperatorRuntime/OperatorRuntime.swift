// The operator runtime: watchers, the watch cache, the work queue, leader election and the event
// recorder. It builds on KubernetesClient; its parts arrive with the client/runtime issue.
