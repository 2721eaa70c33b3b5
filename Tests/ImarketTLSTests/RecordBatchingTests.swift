import ImarketTLS
import NIOCore
import NIOEmbedded
import XCTest

/// Two handlers wired back to back in memory, so a test decides exactly which ciphertext
/// arrives in one read: the handler stops reading once OpenSSL and its read BIO hold nothing
/// more, and must still take every record (and a close_notify) that came together. The
/// embedded channel keeps every written buffer until read, so these tests also show that a
/// reused ciphertext buffer never overwrites bytes the channel still holds.
final class RecordBatchingTests: TLSTestCase {
    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var text = ""
        var reads = 0
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            reads += 1
            text += String(buffer: unwrapInboundIn(data))
        }
    }

    private struct Pair {
        let client = EmbeddedChannel()
        let server = EmbeddedChannel()
        let received = Recorder()
    }

    private func connectedPair() throws -> Pair {
        let pair = Pair()
        let serverContext = try TLSContext(server: TLSConfiguration(
            certificateChainPath: certificates.serverCertificatePath, privateKeyPath: certificates.serverKeyPath))
        let clientContext = try TLSContext(client: TLSClientConfiguration(trustRootsPath: certificates.caCertificatePath))
        try pair.server.pipeline.syncOperations.addHandler(OpenSSLHandler(context: serverContext))
        try pair.server.pipeline.syncOperations.addHandler(pair.received)
        try pair.client.pipeline.syncOperations.addHandler(OpenSSLHandler(context: clientContext, serverHostname: "localhost"))
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
        try pair.server.connect(to: address).wait()
        try pair.client.connect(to: address).wait()
        // Shuttle the handshake flights until neither side has anything more to send.
        while try move(from: pair.client, to: pair.server) + move(from: pair.server, to: pair.client) > 0 {}
        return pair
    }

    /// Everything `from` wrote, delivered to `to` as one read. Returns the byte count.
    @discardableResult
    private func move(from: EmbeddedChannel, to: EmbeddedChannel) throws -> Int {
        var all = ByteBuffer()
        while var chunk = try from.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&chunk) }
        guard all.readableBytes > 0 else { return 0 }
        let count = all.readableBytes
        try to.writeInbound(all)
        return count
    }

    func testSeveralRecordsInOneReadAreAllDelivered() throws {
        let pair = try connectedPair()
        for word in ["one", "two", "three"] {
            // Separate flushes: three TLS records.
            try pair.client.writeAndFlush(ByteBuffer(string: word)).wait()
        }
        XCTAssertGreaterThan(try move(from: pair.client, to: pair.server), 0)
        XCTAssertEqual(pair.received.text, "onetwothree")
        XCTAssertEqual(pair.received.reads, 1, "the records of one read are delivered together")

        // And the connection keeps working for the next read.
        try pair.client.writeAndFlush(ByteBuffer(string: "four")).wait()
        try move(from: pair.client, to: pair.server)
        XCTAssertEqual(pair.received.text, "onetwothreefour")
        XCTAssertTrue(pair.server.isActive)
    }

    func testDataAndCloseNotifyInOneReadAreBothHandled() throws {
        let pair = try connectedPair()
        try pair.client.writeAndFlush(ByteBuffer(string: "last words")).wait()
        pair.client.close(promise: nil)  // sends close_notify behind the data
        XCTAssertGreaterThan(try move(from: pair.client, to: pair.server), 0)
        XCTAssertEqual(pair.received.text, "last words")
        // The server answered with its own close_notify and closed.
        XCTAssertFalse(pair.server.isActive, "server did not close after the peer's close_notify")
        var reply = ByteBuffer()
        while var chunk = try pair.server.readOutbound(as: ByteBuffer.self) { reply.writeBuffer(&chunk) }
        XCTAssertGreaterThan(reply.readableBytes, 0, "server sent no close_notify")
    }

    func testPartialRecordWaitsForItsRest() throws {
        let pair = try connectedPair()
        try pair.client.writeAndFlush(ByteBuffer(string: "split across reads")).wait()
        var all = ByteBuffer()
        while var chunk = try pair.client.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&chunk) }
        let first = all.readSlice(length: all.readableBytes / 2)!
        try pair.server.writeInbound(first)
        XCTAssertEqual(pair.received.text, "")
        try pair.server.writeInbound(all)
        XCTAssertEqual(pair.received.text, "split across reads")
    }
}
