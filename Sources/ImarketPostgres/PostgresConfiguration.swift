import NIOCore

/// How the pool reaches the server and how it sizes itself. Immutable so a running pool
/// can never observe a half-changed configuration.
public struct PostgresConfiguration: Sendable {
    /// Passed to libpq unchanged (URL or key=value), so multi-host lists, service files
    /// and every authentication method libpq supports keep working.
    public let conninfo: String
    /// Number of connections, and therefore of dedicated threads.
    public let poolSize: Int
    /// Applied per connection with `set_config('statement_timeout', …)` right after connect.
    public let statementTimeout: Duration
    /// Passed as libpq's `connect_timeout` (whole seconds, minimum 1 — a libpq rule).
    public let connectTimeout: Duration
    /// Shown in pg_stat_activity; overrides an application_name inside `conninfo`.
    public let applicationName: String
    /// How long a caller waits for a free connection before failing with `.poolTimeout`.
    public let acquireTimeout: Duration
    /// After a failed connect, other callers fail fast with `.unavailable` for this long
    /// instead of each paying the connect timeout against a dead server.
    public let reconnectBackoff: Duration
    /// How long a task placed on the pool's executor waits for a pool thread before it runs on a
    /// shared thread instead (see `PoolTaskExecutor`); only reached when every thread is stuck.
    public let taskWaitLimit: Duration
    /// How many pool threads run tasks' work (outside database calls) at once before queued work
    /// waits for one of them; one more is woken whenever work has waited 10 ms. Default: half
    /// the cores (the event loops, one per core, do the other half of a request's work).
    public let busyThreads: Int

    public init(
        conninfo: String,
        poolSize: Int = 8,
        statementTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(5),
        applicationName: String = "imarket",
        acquireTimeout: Duration = .seconds(10),
        reconnectBackoff: Duration = .milliseconds(250),
        taskWaitLimit: Duration = .seconds(1),
        busyThreads: Int = max(1, System.coreCount / 2)
    ) {
        precondition(poolSize > 0, "poolSize must be positive")
        self.conninfo = conninfo
        self.poolSize = poolSize
        self.statementTimeout = statementTimeout
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        self.acquireTimeout = acquireTimeout
        self.reconnectBackoff = reconnectBackoff
        self.taskWaitLimit = taskWaitLimit
        self.busyThreads = max(1, busyThreads)
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    var wholeMilliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
