import ImarketTLS
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Assembles requests, enforces the size limits before buffering, hands one request at a time
/// to the responder as a task (off the event loop), and writes the answers back in request order.
///
/// Pipelining is handled here rather than by NIO's `HTTPServerPipelineHandler`: that handler
/// stops and restarts socket reads around every request (an epoll change each time), which cost
/// a measurable share of a small call. Here reads stop only while a complete request is already
/// waiting behind the one being answered, so a client that pipelines is still back-pressured.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPServerResponsePart

    /// The request currently arriving.
    private enum Assembly {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The request broke a limit; its remaining parts are dropped and the connection closes.
        case discarding
    }

    /// What waits behind the request being answered.
    private enum Pending {
        case request(HTTPRequestHead, ByteBuffer)
        case refusal(HTTPLimitViolation)
    }

    private let responder: any HTTPResponder
    private let configuration: HTTPServerConfiguration
    private var assembly = Assembly.idle
    private var responding = false
    private var pending = CircularBuffer<Pending>(initialCapacity: 1)
    /// A `read` the channel asked for while a complete request was waiting; issued once it is taken.
    private var heldRead = false
    /// Shared with the WebSocket upgrader, which needs the same peer facts.
    private let connectionBox: NIOLockedValueBox<ConnectionInfo>
    private var connection: ConnectionInfo

    /// The same connection's timeouts (nil in tests that drive this handler alone).
    private let timeouts: ConnectionTimeoutHandler?

    init(
        responder: any HTTPResponder, configuration: HTTPServerConfiguration,
        connection: NIOLockedValueBox<ConnectionInfo>, timeouts: ConnectionTimeoutHandler? = nil
    ) {
        self.responder = responder
        self.timeouts = timeouts
        self.configuration = configuration
        self.connectionBox = connection
        self.connection = connection.withLockedValue { $0 }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            connection.clientCertificateSHA256 = handshake.peerCertificateSHA256
            connectionBox.withLockedValue { $0.clientCertificateSHA256 = handshake.peerCertificateSHA256 }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        if pending.isEmpty {
            context.read()
        } else {
            heldRead = true
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), assembly) {
        case (.head(let head), .idle):
            timeouts?.headReceived()
            if headerBytes(head) > configuration.maxHeaderSize {
                refuse(context: context, .headersTooLarge)
                return
            }
            let length = head.headers.first(name: "content-length").flatMap(Int.init)
            if let length, length > configuration.maxBodySize {
                refuse(context: context, .bodyTooLarge)
                return
            }
            assembly = .receiving(head, context.channel.allocator.buffer(capacity: length ?? 0))
        case (.body(var chunk), .receiving(let head, var body)):
            if body.readableBytes + chunk.readableBytes > configuration.maxBodySize {
                refuse(context: context, .bodyTooLarge)
                return
            }
            assembly = .discarding  // drop the reference so `body` stays uniquely owned while appending
            body.writeBuffer(&chunk)
            assembly = .receiving(head, body)
        case (.end, .receiving(let head, let body)):
            assembly = .idle
            if responding {
                pending.append(.request(head, body))
            } else {
                dispatch(context: context, head: head, body: body)
            }
        case (_, .discarding):
            break
        default:
            // Parts out of order cannot come from the decoder; treat as a broken connection.
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A refused WebSocket upgrade is reported as an error, then the request itself follows
        // and gets an ordinary answer (e.g. 401).
        if error is NIOWebSocketUpgradeError { return }
        if case .idle = assembly, let parserError = error as? HTTPParserError {
            refuse(context: context, parserError == .headerOverflow ? .headersTooLarge : .malformedRequest)
            return
        }
        context.close(promise: nil)
    }

    private func headerBytes(_ head: HTTPRequestHead) -> Int {
        head.headers.reduce(head.uri.utf8.count) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }

    /// Answers a request the front end rejects by itself and closes the connection, so the
    /// unread rest of an oversized body is never buffered. Earlier requests are answered first.
    private func refuse(context: ChannelHandlerContext, _ violation: HTTPLimitViolation) {
        assembly = .discarding
        if responding {
            pending.append(.refusal(violation))
            return
        }
        responding = true
        write(context: context, response: responder.limitResponse(violation), keepAlive: false)
    }

    /// After an answer went out: start the next waiting request, and resume reading once
    /// nothing complete is waiting any more.
    private func next(context: ChannelHandlerContext) {
        responding = false
        guard let item = pending.popFirst() else {
            if case .idle = assembly {
                timeouts?.responseComplete()
            }
            return
        }
        if pending.isEmpty && heldRead {
            heldRead = false
            context.read()
        }
        switch item {
        case .request(let head, let body):
            dispatch(context: context, head: head, body: body)
        case .refusal(let violation):
            refuse(context: context, violation)
        }
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        responding = true
        let request = HTTPServerRequest(
            method: head.method, uri: head.uri, headers: head.headers, body: body, connection: connection)
        let keepAlive = head.isKeepAlive
        let responder = self.responder
        let eventLoop = context.eventLoop
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        Task(executorPreference: configuration.requestExecutor) {
            let response = await responder.respond(to: request)
            eventLoop.execute {
                let (handler, context) = loopBound.value
                guard handler.responding, context.channel.isActive else { return }
                handler.write(context: context, response: response, keepAlive: keepAlive)
            }
        }
    }

    /// Writes one answer; then either closes (after the bytes are out) or moves to the next request.
    private func write(context: ChannelHandlerContext, response: HTTPServerResponse, keepAlive: Bool) {
        let closing = !keepAlive || response.headers.first(name: "connection")?.lowercased() == "close"
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body?.readableBytes ?? 0))
        if closing {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = response.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        guard closing else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            next(context: context)
            return
        }
        // Whatever was pipelined behind a closing answer is never answered, as RFC 9112 allows.
        pending.removeAll()
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        let channel = context.channel
        done.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }
}

