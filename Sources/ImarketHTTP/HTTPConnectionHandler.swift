import ImarketTLS
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Assembles one request at a time (the pipelining handler in front of it queues the rest),
/// enforces the size limits before buffering, hands the request to the responder off the event
/// loop, and writes the answer back in order.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The request broke a limit; its remaining parts are dropped and the connection closes.
        case discarding
        case responding
    }

    private let responder: any HTTPResponder
    private let configuration: HTTPServerConfiguration
    private var state = State.idle
    /// Shared with the WebSocket upgrader, which needs the same peer facts.
    private let connectionBox: NIOLockedValueBox<ConnectionInfo>
    private var connection: ConnectionInfo

    init(responder: any HTTPResponder, configuration: HTTPServerConfiguration, connection: NIOLockedValueBox<ConnectionInfo>) {
        self.responder = responder
        self.configuration = configuration
        self.connectionBox = connection
        self.connection = connection.withLockedValue { $0 }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            connection.clientCertificateSHA256 = handshake.peerCertificateSHA256
            connectionBox.withLockedValue { $0.clientCertificateSHA256 = handshake.peerCertificateSHA256 }
        } else if event is IdleStateHandler.IdleStateEvent {
            // Idle means no bytes either way for the whole timeout. A connection waiting for its
            // own answer (a long compliance scan) is not idle from the client's side.
            if case .responding = state { return }
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            context.triggerUserOutboundEvent(HeaderReadTimeoutHandler.Event.headReceived, promise: nil)
            if headerBytes(head) > configuration.maxHeaderSize {
                refuse(context: context, .headersTooLarge)
                return
            }
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > configuration.maxBodySize {
                refuse(context: context, .bodyTooLarge)
                return
            }
            let capacity = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
            state = .receiving(head, context.channel.allocator.buffer(capacity: capacity))
        case (.body(var chunk), .receiving(let head, var body)):
            if body.readableBytes + chunk.readableBytes > configuration.maxBodySize {
                refuse(context: context, .bodyTooLarge)
                return
            }
            state = .discarding  // drop the reference so `body` stays uniquely owned while appending
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
        case (.end, .receiving(let head, let body)):
            state = .responding
            dispatch(context: context, head: head, body: body)
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
        if case .idle = state, let parserError = error as? HTTPParserError {
            refuse(context: context, parserError == .headerOverflow ? .headersTooLarge : .malformedRequest)
            return
        }
        context.close(promise: nil)
    }

    private func headerBytes(_ head: HTTPRequestHead) -> Int {
        head.headers.reduce(head.uri.utf8.count) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }

    /// Answers a request the front end rejects by itself and closes the connection, so the
    /// unread rest of an oversized body is never buffered.
    private func refuse(context: ChannelHandlerContext, _ violation: HTTPLimitViolation) {
        state = .discarding
        var response = responder.limitResponse(violation)
        response.headers.replaceOrAdd(name: "connection", value: "close")
        write(context: context, response: response, keepAlive: false)
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        let request = HTTPServerRequest(
            method: head.method, uri: head.uri, headers: head.headers, body: body, connection: connection)
        let keepAlive = head.isKeepAlive
        let responder = self.responder
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask {
            await responder.respond(to: request)
        }.whenSuccess { response in
            let (handler, context) = loopBound.value
            guard case .responding = handler.state else { return }
            handler.state = .idle
            handler.write(context: context, response: response, keepAlive: keepAlive)
        }
    }

    private func write(context: ChannelHandlerContext, response: HTTPServerResponse, keepAlive: Bool) {
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body?.readableBytes ?? 0))
        if !keepAlive {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = response.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let done = context.writeAndFlushPromise(wrapOutboundOut(.end(nil)))
        context.triggerUserOutboundEvent(HeaderReadTimeoutHandler.Event.responseComplete, promise: nil)
        if !keepAlive || response.headers.first(name: "connection")?.lowercased() == "close" {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise(_ data: NIOAny) -> EventLoopPromise<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise
    }
}
