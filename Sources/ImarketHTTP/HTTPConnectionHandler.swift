import ImarketTLS
import NIOCore
import NIOHTTP1

/// The HTTP/1.1 side of a connection, right behind TLS: parses requests (`HTTPRequestParser`),
/// hands one at a time to the responder (whose real work runs as a task off the event loop),
/// writes each answer as one buffer in request order, and performs the WebSocket upgrade.
///
/// One handler instead of NIO's decoder, encoder, upgrade and pipelining handlers: every handler a
/// read or write passes costs a dynamic dispatch and a boxing, and NIO's pipelining handler
/// stops and restarts socket reads around every request (an epoll change each time). Here reads
/// stop only while a complete request is already waiting behind the one being answered, so a
/// client that pipelines is still back-pressured.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    /// Bytes that followed a WebSocket upgrade request go on to the frame decoder.
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    /// What waits behind the request being answered.
    private enum Pending {
        case request(HTTPRequestHead, ByteBuffer)
        case refusal(HTTPLimitViolation)
    }

    private enum Input {
        case parsing
        /// An upgrade request is queued or being decided: what follows may be frames, not HTTP.
        case awaitingUpgrade
        /// A request was refused or a closing answer sent: nothing more is read as HTTP.
        case discarding
    }

    private let responder: any HTTPResponder
    private let webSocket: WebSocketUpgrade?
    private let configuration: HTTPServerConfiguration
    private var parser: HTTPRequestParser
    private var input = Input.parsing
    /// Received bytes not parsed yet (a partial request, or what follows an upgrade request).
    private var received: ByteBuffer?
    private var responding = false
    /// `100 Continue` went out for the request whose body is arriving.
    private var continueSent = false
    private var pending = CircularBuffer<Pending>(initialCapacity: 1)
    /// At most this many parsed requests wait; the rest of a pipelined burst stays unparsed in
    /// `received` until they are taken, so a burst costs its bytes, not a request object each.
    private static let maxWaiting = 16
    /// A `read` the channel asked for while a complete request was waiting; issued once it is taken.
    private var heldRead = false
    /// The peer's address, and its certificate once the handshake completed.
    private var connection: ConnectionInfo

    /// The same connection's timeouts (nil in tests that drive this handler alone).
    private let timeouts: ConnectionTimeoutHandler?

    init(
        responder: any HTTPResponder, configuration: HTTPServerConfiguration,
        connection: ConnectionInfo, timeouts: ConnectionTimeoutHandler? = nil,
        webSocket: WebSocketUpgrade? = nil
    ) {
        self.responder = responder
        self.webSocket = webSocket
        self.timeouts = timeouts
        self.configuration = configuration
        self.parser = HTTPRequestParser(maxHeaderSize: configuration.maxHeaderSize, maxBodySize: configuration.maxBodySize)
        self.connection = connection
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            connection.clientCertificateSHA256 = handshake.peerCertificateSHA256
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        if pending.isEmpty, case .parsing = input {
            context.read()
        } else {
            heldRead = true
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if case .discarding = input { return }
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        parseReceived(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// Takes complete requests out of `received`, in order, while few enough wait.
    private func parseReceived(context: ChannelHandlerContext) {
        while case .parsing = input, pending.count < Self.maxWaiting, var buffer = received {
            received = nil  // `buffer` stays uniquely referenced while the parser consumes it
            let event = parser.next(from: &buffer)
            if buffer.readableBytes > 0 { received = buffer }
            switch event {
            case .needMoreData:
                if parser.isReadingBody { timeouts?.headReceived() }
                // Only while nothing is being answered: an interim answer must not overtake one.
                if !responding, !continueSent, parser.bodyAwaitsContinue {
                    continueSent = true
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
                }
                return
            case .request(let head, let body):
                timeouts?.headReceived()
                continueSent = false
                if webSocket != nil && WebSocketUpgrade.isRequested(head) { input = .awaitingUpgrade }
                if responding {
                    pending.append(.request(head, body))
                } else {
                    dispatch(context: context, head: head, body: body)
                }
            case .refuse(let violation):
                received = nil
                refuse(context: context, violation)
            }
        }
    }

    /// Answers a request the front end rejects by itself and closes the connection, so the
    /// unread rest of an oversized body is never buffered. Earlier requests are answered first.
    private func refuse(context: ChannelHandlerContext, _ violation: HTTPLimitViolation) {
        input = .discarding
        if responding {
            pending.append(.refusal(violation))
            return
        }
        responding = true
        write(context: context, response: responder.limitResponse(violation), for: nil)
    }

    /// After an answer went out: start the next waiting request, and resume reading once
    /// nothing complete is waiting any more.
    private func next(context: ChannelHandlerContext) {
        responding = false
        let item = pending.popFirst()
        switch item {
        case .request(let head, let body):
            dispatch(context: context, head: head, body: body)
        case .refusal(let violation):
            refuse(context: context, violation)
        case nil:
            if !parser.isReadingBody {
                timeouts?.responseComplete()
            }
        }
        // A slot freed up: refill from a pipelined burst (queued behind the one just started).
        if item != nil, received != nil { parseReceived(context: context) }
        if pending.isEmpty, heldRead, case .parsing = input {
            heldRead = false
            context.read()
        }
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        responding = true
        if let webSocket, WebSocketUpgrade.isRequested(head) {
            decideUpgrade(context: context, head: head, body: body, webSocket: webSocket)
        } else {
            answer(context: context, head: head, body: body)
        }
    }

    /// Asks the responder; an answer it has at once is written after the loop has read every
    /// ready socket (a task queued on the loop runs then), so the answers to one pass leave
    /// together and the client wakes once for them, not once each. Writing each at once cost a
    /// third more CPU per ping, a task hop to the pool a quarter more (docs/benchmarks.md).
    private func answer(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        let request = HTTPServerRequest(method: head.method, uri: head.uri, headers: head.headers, body: body, connection: connection)
        let eventLoop = context.eventLoop
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        switch responder.answer(request) {
        case .now(let response):
            eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.deliver(context: context, response: response, for: head)
            }
        case .later(let respond):
            Task(executorPreference: configuration.requestExecutor) {
                let response = await respond()
                eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.deliver(context: context, response: response, for: head)
                }
            }
        }
    }

    /// Writes an answer that arrived later, unless the connection closed meanwhile.
    private func deliver(context: ChannelHandlerContext, response: HTTPServerResponse, for head: HTTPRequestHead) {
        guard responding, context.channel.isActive else { return }
        write(context: context, response: response, for: head)
    }

    /// Writes one answer; then either closes (after the bytes are out) or moves to the next request.
    private func write(context: ChannelHandlerContext, response: HTTPServerResponse, for head: HTTPRequestHead?) {
        let closing = !(head?.isKeepAlive ?? false) || response.headers.first(name: "connection")?.lowercased() == "close"
        let framing = HTTPResponseSerializer.Framing(
            isHead: head?.method == .HEAD, closing: closing, confirmKeepAlive: head?.version == .http1_0)
        let bytes = HTTPResponseSerializer.serialize(response, framing: framing, allocator: context.channel.allocator)
        guard closing else {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            next(context: context)
            return
        }
        // Whatever was pipelined behind a closing answer is never answered, as RFC 9112 allows.
        pending.removeAll()
        input = .discarding
        received = nil
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
    }
}

extension HTTPConnectionHandler {
    /// Asks the application whether to open a WebSocket. Accepted: `101`, then the frame
    /// handlers take over the connection. Refused or malformed: the request is answered as an
    /// ordinary one (e.g. 401 for a bad token) and HTTP parsing resumes.
    private func decideUpgrade(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer, webSocket: WebSocketUpgrade) {
        let eventLoop = context.eventLoop
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let headers = head.headers
        let connection = self.connection
        let accept = WebSocketUpgrade.acceptValue(head)
        Task(executorPreference: webSocket.executor) {
            let delegate = accept == nil ? nil : await webSocket.responder.openWebSocket(path: path, headers: headers, connection: connection)
            eventLoop.execute {
                let (handler, context) = loopBound.value
                guard handler.responding, context.channel.isActive else { return }
                if let delegate, let accept {
                    handler.upgrade(context: context, webSocket: webSocket, delegate: delegate, accept: accept)
                } else {
                    handler.answerRefusedUpgrade(context: context, head: head, body: body)
                }
            }
        }
    }

    private func answerRefusedUpgrade(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        answer(context: context, head: head, body: body)
        if case .awaitingUpgrade = input {
            input = .parsing
            parseReceived(context: context)  // queued behind this answer, which is still pending
        }
    }

    private func upgrade(
        context: ChannelHandlerContext, webSocket: WebSocketUpgrade, delegate: any WebSocketSessionDelegate, accept: String
    ) {
        context.writeAndFlush(wrapOutboundOut(WebSocketUpgrade.switchingProtocols(accept: accept, allocator: context.channel.allocator)), promise: nil)
        let pipeline = context.pipeline.syncOperations
        do {
            try pipeline.addHandlers(webSocket.frameHandlers(delegate: delegate), position: .after(self))
        } catch {
            context.close(promise: nil)
            return
        }
        // Frames the client sent right behind its request go to the frame decoder, in order.
        if let leftover = received {
            received = nil
            context.fireChannelRead(wrapInboundOut(leftover))
        }
        pending.removeAll()
        input = .discarding
        if heldRead {
            heldRead = false
            context.read()
        }
        if let timeouts { pipeline.removeHandler(timeouts, promise: nil) }
        pipeline.removeHandler(context: context, promise: nil)
    }
}
