import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The application's side of a WebSocket (API section 1: JSON-RPC over text frames, one request
/// or batch per frame, plus server-pushed notifications).
public protocol WebSocketResponder: Sendable {
    /// Decides on a `GET` upgrade request; nil refuses it (the request then gets an ordinary HTTP
    /// answer from the `HTTPResponder`, e.g. 401 for a bad token).
    func openWebSocket(path: Substring, headers: HTTPHeaders, connection: ConnectionInfo) async -> (any WebSocketSessionDelegate)?
}

/// Receives one session's text frames, in order, and learns when it closes.
public protocol WebSocketSessionDelegate: Sendable {
    func didReceive(text: [UInt8], session: WebSocketSession) async
    func didClose(session: WebSocketSession)
}

/// A sendable handle on an open WebSocket: frames can be pushed from any task or thread.
public final class WebSocketSession: Sendable, Hashable {
    private let channel: Channel
    public let id: ObjectIdentifier

    init(channel: Channel) {
        self.channel = channel
        self.id = ObjectIdentifier(channel)
    }

    public var isOpen: Bool { channel.isActive }

    public func send(text: [UInt8]) {
        let channel = self.channel
        channel.eventLoop.execute {
            var buffer = channel.allocator.buffer(capacity: text.count)
            buffer.writeBytes(text)
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil)
        }
    }

    public func close() {
        channel.close(promise: nil)
    }

    public static func == (a: WebSocketSession, b: WebSocketSession) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// Turns frames into delegate calls: text frames are handed over one at a time (a frame's
/// response is sent before the next frame is read by the delegate), pings are answered, binary
/// data is refused, close is echoed.
final class WebSocketFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let delegate: any WebSocketSessionDelegate
    private let executor: (any TaskExecutor)?
    private var session: WebSocketSession?
    private var continuation: AsyncStream<[UInt8]>.Continuation?
    private var closeSent = false

    init(delegate: any WebSocketSessionDelegate, executor: (any TaskExecutor)?) {
        self.delegate = delegate
        self.executor = executor
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let session = WebSocketSession(channel: context.channel)
        self.session = session
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(64))
        self.continuation = continuation
        let delegate = self.delegate
        Task(executorPreference: executor) {
            for await text in stream { await delegate.didReceive(text: text, session: session) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            var data = frame.unmaskedData
            continuation?.yield(data.readBytes(length: data.readableBytes) ?? [])
        case .ping:
            var data = frame.unmaskedData
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: data.readSlice(length: data.readableBytes) ?? ByteBuffer())
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            sendClose(context: context, code: .normalClosure)
        case .binary:
            sendClose(context: context, code: .unacceptableData)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation?.finish()
        if let session { delegate.didClose(session: session) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        sendClose(context: context, code: .protocolError)
    }

    private func sendClose(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard !closeSent else { return }
        closeSent = true
        var buffer = context.channel.allocator.buffer(capacity: 2)
        buffer.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }
}
