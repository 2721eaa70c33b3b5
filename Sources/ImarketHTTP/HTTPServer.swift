import ImarketTLS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTPS listener: TLS, then the idle and header timeouts, the HTTP/1.1 codec, then the connection handler
/// that queues pipelined requests and talks to the application's `HTTPResponder`.
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
        let decoderLimits = {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderListSize = configuration.maxHeaderSize
            limits.maxHeaderFieldSize = configuration.maxHeaderSize
            return limits
        }()
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
                    let connection = NIOLockedValueBox(ConnectionInfo(
                        remoteAddress: channel.remoteAddress?.ipAddress ?? "unknown", clientCertificateSHA256: nil))
                    let timeouts = ConnectionTimeoutHandler(
                        headerReadTimeout: configuration.headerReadTimeout, idleTimeout: configuration.idleTimeout)
                    let http = HTTPConnectionHandler(
                        responder: responder, configuration: configuration, connection: connection, timeouts: timeouts)
                    try sync.addHandler(OpenSSLHandler(context: tls))
                    try sync.addHandler(timeouts)
                    let upgrade = webSocket.map { webSocket in
                        WebSocketUpgrade.configuration(
                            responder: webSocket, connection: connection, maxMessageSize: configuration.maxBodySize,
                            executor: configuration.requestExecutor, httpHandlers: NIOLoopBound([timeouts, http], eventLoop: channel.eventLoop))
                    }
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: false,  // HTTPConnectionHandler orders answers itself
                        withServerUpgrade: upgrade,
                        withErrorHandling: false,
                        // Every header we send is a fixed name with a value we produced.
                        withOutboundHeaderValidation: false,
                        withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try sync.addHandler(http)
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
