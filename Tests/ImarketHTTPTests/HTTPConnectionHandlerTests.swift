import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest

@testable import ImarketHTTP

/// Pipelining without NIO's pipelining handler: answers in request order, reads held while a
/// complete request waits, refusals queued behind earlier answers, nothing after `close`.
final class HTTPConnectionHandlerTests: XCTestCase {
    /// Answers with the request body, unchanged.
    private struct Echo: HTTPResponder {
        func respond(to request: HTTPServerRequest) async -> HTTPServerResponse {
            HTTPServerResponse(status: .ok, body: request.body)
        }
        func limitResponse(_ violation: HTTPLimitViolation) -> HTTPServerResponse {
            HTTPServerResponse(status: violation == .bodyTooLarge ? .payloadTooLarge : .badRequest)
        }
    }

    /// Counts the reads the channel asks for that get past the HTTP handler.
    private final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Never
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    private var loop: EmbeddedEventLoop!
    private var channel: EmbeddedChannel!
    private var counter: ReadCounter!

    override func setUp() async throws {
        loop = EmbeddedEventLoop()
        channel = EmbeddedChannel(loop: loop)
        counter = ReadCounter()
        let connection = NIOLockedValueBox(ConnectionInfo(remoteAddress: "127.0.0.1", clientCertificateSHA256: nil))
        var configuration = HTTPServerConfiguration()
        configuration.maxBodySize = 16
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(
            HTTPConnectionHandler(responder: Echo(), configuration: configuration, connection: connection))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    override func tearDown() async throws {
        _ = try? channel.finish()
    }

    private func request(_ body: String, headers: HTTPHeaders = [:]) throws {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/rpc")
        head.headers = headers
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: body)))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
    }

    /// The answers written so far, as (status, body) pairs.
    private func answers() throws -> [(HTTPResponseStatus, String)] {
        var result: [(HTTPResponseStatus, String)] = []
        var status: HTTPResponseStatus?
        var body = ""
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head(let head): status = head.status; body = ""
            case .body(.byteBuffer(let buffer)): body += String(buffer: buffer)
            case .body: XCTFail("file region")
            case .end: result.append((status!, body))
            }
        }
        return result
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        try request("one")
        try request("two")
        try request("three")
        loop.run()
        XCTAssertEqual(try answers().map(\.1), ["one", "two", "three"])
    }

    func testReadsAreHeldOnlyWhileACompleteRequestWaits() throws {
        try request("one")
        channel.read()
        XCTAssertEqual(counter.reads, 1, "one request in flight, none waiting: keep reading")
        try request("two")
        channel.read()
        XCTAssertEqual(counter.reads, 1, "a complete request waits: stop reading")
        loop.run()
        XCTAssertEqual(counter.reads, 2, "the held read is issued once the waiting request is taken")
        XCTAssertEqual(try answers().map(\.1), ["one", "two"])
    }

    func testARefusalWaitsForEarlierAnswersThenCloses() throws {
        try request("one")
        try request(String(repeating: "x", count: 17))
        try request("never")
        loop.run()
        let answers = try answers()
        XCTAssertEqual(answers.map(\.0), [.ok, .payloadTooLarge])
        XCTAssertEqual(answers.first?.1, "one")
        XCTAssertFalse(channel.isActive)
    }

    func testConnectionCloseDropsWhatFollows() throws {
        try request("bye", headers: ["connection": "close"])
        try request("ignored")
        loop.run()
        XCTAssertEqual(try answers().map(\.1), ["bye"])
        XCTAssertFalse(channel.isActive)
    }
}
