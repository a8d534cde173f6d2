// The operator: reconcilers that read the watch cache and ask ResilienceCore what to do, executors that
// act through the client, and the health and metrics endpoints. Its parts arrive with the operator issue.
