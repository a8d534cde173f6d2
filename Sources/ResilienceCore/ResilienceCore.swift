// The pure resilience core: health judgement and recovery planning, with no I/O and no clock of its own.
// It depends on KubernetesAPI only; its parts arrive with the API and planner issues.
