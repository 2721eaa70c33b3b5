import NIOCore
import NIOEmbedded
import XCTest

@testable import ImarketHTTP

/// The idle and header-read timeouts on a virtual clock: when a connection closes and when it
/// must not.
final class ConnectionTimeoutHandlerTests: XCTestCase {
    private var loop: EmbeddedEventLoop!
    private var channel: EmbeddedChannel!

    override func setUp() async throws {
        loop = EmbeddedEventLoop()
        channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(
            ConnectionTimeoutHandler(headerReadTimeout: .seconds(10), idleTimeout: .seconds(60)))
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
    }

    override func tearDown() async throws {
        _ = try? channel.finish()
    }

    private func send(_ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
        _ = try channel.readInbound(as: ByteBuffer.self)
    }

    private var handler: ConnectionTimeoutHandler {
        try! channel.pipeline.syncOperations.handler(type: ConnectionTimeoutHandler.self)
    }

    func testIdleConnectionClosesAfterTheIdleTimeout() {
        loop.advanceTime(by: .seconds(59))
        XCTAssertTrue(channel.isActive)
        loop.advanceTime(by: .seconds(16))
        XCTAssertFalse(channel.isActive)
    }

    func testSlowHeadersCloseAfterTheHeaderTimeout() throws {
        loop.advanceTime(by: .seconds(30))
        try send("POST /rpc HTTP/1.1\r\nHost: x")
        loop.advanceTime(by: .seconds(9))
        XCTAssertTrue(channel.isActive, "10 s from the first byte of the head, not before")
        loop.advanceTime(by: .milliseconds(3_600))
        XCTAssertFalse(channel.isActive)
    }

    func testARequestBeingAnsweredIsNeverCut() throws {
        try send("POST /rpc HTTP/1.1\r\n\r\n")
        handler.headReceived()
        loop.advanceTime(by: .minutes(10))
        XCTAssertTrue(channel.isActive, "a long answer (compliance scan) keeps its connection")
        handler.responseComplete()
        loop.advanceTime(by: .seconds(59))
        XCTAssertTrue(channel.isActive, "the idle clock restarts at the answer")
        loop.advanceTime(by: .seconds(16))
        XCTAssertFalse(channel.isActive)
    }

    func testKeepAliveTrafficKeepsTheConnectionOpen() throws {
        for _ in 0..<20 {
            loop.advanceTime(by: .seconds(50))
            try send("POST /rpc HTTP/1.1\r\n\r\n")
            handler.headReceived()
            loop.advanceTime(by: .seconds(1))
            handler.responseComplete()
        }
        XCTAssertTrue(channel.isActive)
    }

    func testRemovingTheHandlerStopsItsTimer() throws {
        let handler = try channel.pipeline.syncOperations.handler(type: ConnectionTimeoutHandler.self)
        try channel.pipeline.syncOperations.removeHandler(handler).wait()
        loop.advanceTime(by: .minutes(5))
        XCTAssertTrue(channel.isActive, "after a WebSocket upgrade these timeouts no longer apply")
    }
}
