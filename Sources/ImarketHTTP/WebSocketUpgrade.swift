import Foundation
import ImarketTLS
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The server side of the WebSocket opening handshake (RFC 6455 section 4.2): which requests ask
/// for it, the `101` answer, and the frame handlers that replace HTTP on the connection.
/// `HTTPConnectionHandler` drives it: it asks the application's `WebSocketResponder` (async, e.g.
/// after a token lookup) and, when refused, answers the request as an ordinary one.
struct WebSocketUpgrade: Sendable {
    let responder: any WebSocketResponder
    let maxMessageSize: Int
    let executor: (any TaskExecutor)?

    /// An HTTP/1.1 `GET` with `Upgrade: websocket` and `Connection: upgrade`: the bytes after this
    /// request may already be frames, so the connection stops parsing HTTP until it is decided.
    static func isRequested(_ head: HTTPRequestHead) -> Bool {
        head.method == .GET && head.version == .http1_1
            && head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
            && head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
    }

    /// `Sec-WebSocket-Accept` for a well-formed version-13 request; nil when the handshake
    /// headers are missing or repeated (the request then gets an ordinary answer).
    static func acceptValue(_ head: HTTPRequestHead) -> String? {
        let keys = head.headers["sec-websocket-key"]
        guard keys.count == 1, head.headers["sec-websocket-version"] == ["13"] else { return nil }
        let digest = Crypto.sha1((keys[0] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)
        return Data(digest).base64EncodedString()
    }

    /// The `101` answer, in one buffer like every other answer.
    static func switchingProtocols(accept: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 160)
        buffer.writeStaticString("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: ")
        buffer.writeString(accept)
        buffer.writeStaticString("\r\n\r\n")
        return buffer
    }

    /// Frame codec, protocol-error answers, message reassembly, then the session.
    func frameHandlers(delegate: any WebSocketSessionDelegate) -> [any ChannelHandler] {
        [
            WebSocketFrameEncoder(),
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxMessageSize)),
            WebSocketProtocolErrorHandler(),
            NIOWebSocketFrameAggregator(
                minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024, maxAccumulatedFrameSize: maxMessageSize),
            WebSocketFrameHandler(delegate: delegate, executor: executor),
        ]
    }
}
