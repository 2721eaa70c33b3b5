import ImarketTLS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The HTTPS listener: TLS, then the idle and header timeouts, then the connection handler that
/// parses HTTP/1.1, queues pipelined requests and talks to the application's `HTTPResponder`.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    /// The port actually bound (useful when the configuration asked for port 0).
    public var localPort: Int { channel.localAddress?.port ?? configuration.port }

    /// Binds and starts serving. The returned server runs until `shutdown()`.
    public static func start(
        configuration: HTTPServerConfiguration,
        tls: TLSContext,
        responder: any HTTPResponder,
        webSocket: (any WebSocketResponder)? = nil,
        logger: Logger
    ) async throws -> HTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Up to 32 accepts per wake-up (NIO's default is 4): bursts of new connections cost
            // fewer loop iterations (handshakes per second +5% in docs/benchmarks.md).
            .serverChannelOption(.maxMessagesPerRead, value: 32)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    let connection = ConnectionInfo(
                        remoteAddress: channel.remoteAddress?.ipAddress ?? "unknown", clientCertificateSHA256: nil)
                    let timeouts = ConnectionTimeoutHandler(
                        headerReadTimeout: configuration.headerReadTimeout, idleTimeout: configuration.idleTimeout)
                    let webSocket = webSocket.map {
                        WebSocketUpgrade(responder: $0, maxMessageSize: configuration.maxBodySize, executor: configuration.requestExecutor)
                    }
                    try sync.addHandler(OpenSSLHandler(context: tls))
                    try sync.addHandler(timeouts)
                    try sync.addHandler(HTTPConnectionHandler(
                        responder: responder, configuration: configuration, connection: connection, timeouts: timeouts,
                        webSocket: webSocket))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
            logger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
            return HTTPServer(configuration: configuration, group: group, channel: channel)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(configuration: HTTPServerConfiguration, group: MultiThreadedEventLoopGroup, channel: Channel) {
        self.configuration = configuration
        self.group = group
        self.channel = channel
    }

    /// Resolves when the listening socket closes.
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }

    /// Stops accepting, closes the listener, then stops the event loops.
    public func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}
