import Foundation
import ImarketTLS
import ImarketTestSupport
import NIOCore
import NIOPosix
import XCTest

/// Handler state machine: timeouts, non-TLS input, close_notify, bulk data.
final class HandlerBehaviourTests: TLSTestCase {
    /// Connects a plain TCP socket (no TLS) with a receive timeout.
    private func rawSocket(port: Int, timeout: Int = 5) throws -> Int32 {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(rc, 0)
        return fd
    }

    /// Reads until EOF/reset; nil if the read timed out (connection still open).
    private func readUntilClosed(_ fd: Int32) -> [UInt8]? {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { all += buffer[0..<n]; continue }
            if n == 0 || errno == ECONNRESET { return all }
            return nil
        }
    }

    func testHandshakeTimeoutClosesSilentConnection() throws {
        let server = try startServer(handshakeTimeout: 0.3)
        let fd = try rawSocket(port: server.port)
        defer { close(fd) }
        let start = Date()
        XCTAssertNotNil(readUntilClosed(fd), "server did not close the silent connection")
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.25)
        XCTAssertTrue(server.events.waitFor { $0.errors.contains { $0.code == .handshakeTimeout } })
    }

    func testPlainHTTPGetsNoHTTPAnswer() throws {
        let server = try startServer()
        let fd = try rawSocket(port: server.port)
        defer { close(fd) }
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        XCTAssertEqual(send(fd, request, request.count, 0), request.count)
        let reply = readUntilClosed(fd)
        XCTAssertNotNil(reply, "connection was not closed")
        XCTAssertFalse(String(decoding: reply ?? [], as: UTF8.self).contains("HTTP/"))
        XCTAssertTrue(server.events.waitFor { $0.errors.contains { $0.code == .handshakeFailed } })
    }

    func testServerSendsCloseNotifyOnClose() throws {
        let server = try startServer(closeNotifyTimeout: 0.3)
        let client = try TLSTestClient(port: server.port, caPath: certificates.caCertificatePath)
        XCTAssertEqual(try client.request(method: "GET", path: "/close").bodyString, "ok")
        let rest = client.readRawUntilClose(timeout: 3)
        XCTAssertTrue(rest.receivedCloseNotify, "server closed without close_notify")
        XCTAssertFalse(rest.timedOut)
        XCTAssertTrue(rest.bytes.isEmpty)
    }

    func testServerAnswersClientCloseNotify() throws {
        let server = try startServer()
        let client = try TLSTestClient(port: server.port, caPath: certificates.caCertificatePath)
        XCTAssertEqual(try client.request(method: "GET", path: "/").bodyString, "ok")
        client.shutdown()
        let rest = client.readRawUntilClose(timeout: 3)
        XCTAssertTrue(rest.receivedCloseNotify, "server did not answer close_notify")
        XCTAssertTrue(server.events.errors.isEmpty, "\(server.events.errors)")
    }

    func testLargePayloadRoundTripsThroughClientModeHandler() throws {
        let server = try startServer()
        let payload = Array("ECHO".utf8) + Crypto.randomBytes(5 * 1024 * 1024)
        let clientContext = try TLSContext(client: TLSClientConfiguration(trustRootsPath: certificates.caCertificatePath))
        let collector = EchoCollector(expected: payload.count, eventLoop: Self.group.next())
        let done = collector.done
        let channel = try ClientBootstrap(group: Self.group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(OpenSSLHandler(context: clientContext, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: server.port)
            .wait()
        // Written immediately: exercises buffering of writes issued before the handshake completes.
        try channel.writeAndFlush(ByteBuffer(bytes: payload)).wait()
        let (received, handshake) = try done.futureResult.wait()
        XCTAssertEqual(received.count, payload.count)
        XCTAssertTrue(received == payload, "payload corrupted in transit")
        XCTAssertEqual(handshake?.protocolVersion, "TLSv1.3")
        XCTAssertEqual(handshake?.negotiatedProtocol, "http/1.1")
        XCTAssertEqual(handshake?.peerCertificateSHA256, try DevCertificates.fingerprint(ofPEMCertificateAt: certificates.serverCertificatePath))
        try channel.close().wait()
    }
}

/// Client-side collector for the echo test.
final class EchoCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let done: EventLoopPromise<([UInt8], TLSHandshakeCompleted?)>
    private let expected: Int
    private var received: [UInt8] = []
    private var handshake: TLSHandshakeCompleted?

    init(expected: Int, eventLoop: EventLoop) {
        self.expected = expected
        self.done = eventLoop.makePromise()
        received.reserveCapacity(expected)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompleted { handshake = event }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
        if received.count >= expected { done.succeed((received, handshake)) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        done.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.eof)
    }
}
