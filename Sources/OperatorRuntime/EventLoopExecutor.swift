import NIOCore

/// One NIO event loop as a task executor: a task that prefers it (`Task(executorPreference:)`,
/// `addTask(executorPreference:)`) runs its jobs, and the default actors it calls, on the loop's thread.
///
/// The operator's path from a pod's change to its action runs on one loop, the one its pod watch and its
/// actions' connections live on (``KubernetesClient/pinned(to:)``): the watch's bytes, the reconcile they
/// wake and the action's request follow each other on one thread, as in Go's network poller, with no
/// hand-over to another thread between them. A job enqueued from the loop's own thread waits for no
/// wake-up; it runs once the loop is done with what it is handling.
public final class EventLoopExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
