import Foundation
import ImarketTLS
import NIOCore
import NIOPosix

/// Thread-safe record of what the server-side handlers saw, for assertions.
final class ServerEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var _handshakes: [TLSHandshakeCompleted] = []
    private var _errors: [TLSError] = []

    var handshakes: [TLSHandshakeCompleted] { lock.withLock { _handshakes } }
    var errors: [TLSError] { lock.withLock { _errors } }
    func add(_ h: TLSHandshakeCompleted) { lock.withLock { _handshakes.append(h) } }
    func add(_ e: TLSError) { lock.withLock { _errors.append(e) } }

    /// Polls briefly: server-side events can land just after the client returns.
    func waitFor(_ condition: (ServerEvents) -> Bool, timeout: Double = 3) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            usleep(10_000)
        }
        return condition(self)
    }
}

/// Server-side application used by the tests. The first bytes pick the mode:
/// "ECHO" echoes everything back; anything else is treated as HTTP/1.1 requests,
/// each answered "ok" (GET /chunked: chunked body; GET /close: respond, then the
/// server closes; POST bodies are echoed back).
final class TestApplicationHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let events: ServerEvents
    private var echo: Bool?
    private var pending: [UInt8] = []

    init(events: ServerEvents) { self.events = events }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let done = event as? TLSHandshakeCompleted { events.add(done) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let tls = error as? TLSError { events.add(tls) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if echo == nil {
            echo = buffer.readableBytesView.starts(with: Array("ECHO".utf8))
        }
        if echo == true {
            context.write(data, promise: nil)
            return
        }
        pending += buffer.readableBytesView
        while let response = nextHTTPResponse() {
            let out = context.channel.allocator.buffer(string: response.text)
            if response.close {
                context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                return
            }
            context.write(wrapOutboundOut(out), promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    private func nextHTTPResponse() -> (text: String, close: Bool)? {
        let marker: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, pending.count - 3)).first(where: { pending[$0..<$0 + 4].elementsEqual(marker) }) else {
            return nil
        }
        let head = String(decoding: pending[0..<end], as: UTF8.self)
        let length = head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        guard pending.count >= end + 4 + length else { return nil }
        let body = String(decoding: pending[(end + 4)..<(end + 4 + length)], as: UTF8.self)
        pending.removeFirst(end + 4 + length)
        if head.hasPrefix("GET /chunked ") {
            return ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=1\r\ndefg\r\n0\r\n\r\n", false)
        }
        if head.hasPrefix("GET /close ") {
            return ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true)
        }
        let reply = length > 0 ? body : "ok"
        return ("HTTP/1.1 200 OK\r\nContent-Length: \(reply.utf8.count)\r\n\r\n\(reply)", false)
    }
}

/// A TLS server on 127.0.0.1, port chosen by the kernel.
final class TestTLSServer {
    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let events = ServerEvents()
    var port: Int { channel.localAddress!.port! }

    init(configuration: TLSConfiguration, group: MultiThreadedEventLoopGroup) throws {
        self.group = group
        let context = try TLSContext(server: configuration)
        let events = self.events
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(OpenSSLHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(TestApplicationHandler(events: events))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .wait()
    }

    func stop() {
        try? channel.close().wait()
    }
}
