import NIOCore

/// Limits and addresses of the HTTP front end. Defaults are the ones the API contract fixes
/// (section 1), so a server built from `HTTPServerConfiguration()` behaves as documented.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind. Default `127.0.0.1`.
    public var host: String
    /// Port to bind; 0 picks a free port (tests read it back from `HTTPServer.localPort`). Default 8443.
    public var port: Int
    /// Largest request body accepted; larger ones get 413 before the body is read. Default 1 MiB.
    public var maxBodySize: Int
    /// Largest header section (names and values together); larger gets 431. Default 16 KiB.
    public var maxHeaderSize: Int
    /// Time allowed between the first byte of a request and the end of its headers. Default 10 s.
    public var headerReadTimeout: TimeAmount
    /// A connection with no traffic for this long is closed. Default 60 s.
    public var idleTimeout: TimeAmount
    /// Event loop threads; default one per core.
    public var eventLoopThreads: Int
    /// Listen backlog. Default 1024, so bursts of new handshakes are not refused.
    public var backlog: Int32
    /// Where request handlers (and WebSocket messages) run; nil (the default) is Swift's global
    /// executor. The server passes its database pool's executor, so that a handler's queries run
    /// in place on the thread that owns the connection.
    public var requestExecutor: (any TaskExecutor)?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8443,
        maxBodySize: Int = 1 << 20,
        maxHeaderSize: Int = 16 * 1024,
        headerReadTimeout: TimeAmount = .seconds(10),
        idleTimeout: TimeAmount = .seconds(60),
        eventLoopThreads: Int = System.coreCount,
        backlog: Int32 = 1024,
        requestExecutor: (any TaskExecutor)? = nil
    ) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.maxHeaderSize = maxHeaderSize
        self.headerReadTimeout = headerReadTimeout
        self.idleTimeout = idleTimeout
        self.eventLoopThreads = eventLoopThreads
        self.backlog = backlog
        self.requestExecutor = requestExecutor
    }
}
