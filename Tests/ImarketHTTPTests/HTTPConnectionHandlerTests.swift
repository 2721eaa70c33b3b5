import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest

@testable import ImarketHTTP

/// Pipelining without NIO's pipelining handler: answers in request order, reads held only while a
/// complete request waits, refusals queued behind earlier answers, nothing answered after `close`.
final class HTTPConnectionHandlerTests: XCTestCase {
    /// Answers with the request body: at once for a body starting with "now", otherwise in a
    /// task once the gate is open.
    private struct GatedEcho: HTTPResponder {
        let open: NIOLockedValueBox<Bool>
        func answer(_ request: HTTPServerRequest) -> HTTPAnswer {
            if request.body.readableBytesView.starts(with: "now".utf8) {
                return .now(HTTPServerResponse(status: .ok, body: request.body))
            }
            return .later {
                while !open.withLockedValue({ $0 }) { try? await Task.sleep(nanoseconds: 1_000_000) }
                return HTTPServerResponse(status: .ok, body: request.body)
            }
        }
        func limitResponse(_ violation: HTTPLimitViolation) -> HTTPServerResponse {
            HTTPServerResponse(status: violation == .bodyTooLarge ? .payloadTooLarge : .badRequest)
        }
    }

    /// Counts the reads the channel asks for that get past the HTTP handler.
    private final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Never
        let reads: NIOLockedValueBox<Int>
        init(reads: NIOLockedValueBox<Int>) { self.reads = reads }
        func read(context: ChannelHandlerContext) {
            reads.withLockedValue { $0 += 1 }
            context.read()
        }
    }

    private var channel: NIOAsyncTestingChannel!
    private let open = NIOLockedValueBox(true)
    private let reads = NIOLockedValueBox(0)

    override func setUp() async throws {
        let responder = GatedEcho(open: open)
        let reads = self.reads
        channel = try await NIOAsyncTestingChannel { channel in
            var configuration = HTTPServerConfiguration()
            configuration.maxBodySize = 16
            let connection = ConnectionInfo(remoteAddress: "127.0.0.1", clientCertificateSHA256: nil)
            try channel.pipeline.syncOperations.addHandler(ReadCounter(reads: reads))
            try channel.pipeline.syncOperations.addHandler(
                HTTPConnectionHandler(responder: responder, configuration: configuration, connection: connection))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
    }

    override func tearDown() async throws {
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    private func request(_ body: String, headers: [(String, String)] = []) async throws {
        var raw = "POST /rpc HTTP/1.1\r\nhost: test\r\ncontent-length: \(body.utf8.count)\r\n"
        for (name, value) in headers { raw += "\(name): \(value)\r\n" }
        try await channel.writeInbound(ByteBuffer(string: raw + "\r\n" + body))
    }

    /// Waits for `count` complete answers (one write each) and returns them as (status, body) pairs.
    private func answers(_ count: Int) async throws -> [(HTTPResponseStatus, String)] {
        var result: [(HTTPResponseStatus, String)] = []
        while result.count < count {
            let text = String(buffer: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
            let parts = text.components(separatedBy: "\r\n\r\n")
            let code = Int(text.split(separator: " ")[1])!
            result.append((HTTPResponseStatus(statusCode: code), parts.dropFirst().joined(separator: "\r\n\r\n")))
        }
        return result
    }

    /// Lets tasks that were about to write do so, then reports whether anything more was written.
    private func nothingMoreWritten() async throws -> Bool {
        try await Task.sleep(nanoseconds: 50_000_000)
        await channel.testingEventLoop.run()
        return try await channel.readOutbound(as: ByteBuffer.self) == nil
    }

    func testPipelinedRequestsAreAnsweredInOrder() async throws {
        open.withLockedValue { $0 = false }
        try await request("one")
        try await request("two")
        try await request("three")
        open.withLockedValue { $0 = true }
        let bodies = try await answers(3).map(\.1)
        XCTAssertEqual(bodies, ["one", "two", "three"])
    }

    func testImmediateAnswersWaitTheirTurnBehindTaskAnswers() async throws {
        open.withLockedValue { $0 = false }
        try await request("now-1")
        try await request("later")
        try await request("now-2")
        let first = try await answers(1).map(\.1)
        XCTAssertEqual(first, ["now-1"], "an immediate answer is written without any task")
        let held = try await nothingMoreWritten()
        XCTAssertTrue(held, "the immediate answer behind a pending one waits for it")
        open.withLockedValue { $0 = true }
        let rest = try await answers(2).map(\.1)
        XCTAssertEqual(rest, ["later", "now-2"])
    }

    func testExpectContinueGetsAnInterimAnswerBeforeTheBody() async throws {
        try await channel.writeInbound(ByteBuffer(string: "POST /rpc HTTP/1.1\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n"))
        let interim = String(buffer: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        XCTAssertEqual(interim, "HTTP/1.1 100 Continue\r\n\r\n")
        try await channel.writeInbound(ByteBuffer(string: "he"))
        try await channel.writeInbound(ByteBuffer(string: "llo"))
        let answer = try await answers(1)
        XCTAssertEqual(answer.first?.1, "hello")
        XCTAssertEqual(answer.first?.0, .ok)
    }

    func testALongPipelinedBurstIsAnsweredInOrder() async throws {
        open.withLockedValue { $0 = false }
        let bodies = (0..<100).map { "r\($0)" }
        try await channel.writeInbound(ByteBuffer(string: bodies.map {
            "POST /rpc HTTP/1.1\r\ncontent-length: \($0.utf8.count)\r\n\r\n\($0)"
        }.joined()))
        open.withLockedValue { $0 = true }
        let answered = try await answers(100).map(\.1)
        XCTAssertEqual(answered, bodies)
    }

    func testReadsAreHeldOnlyWhileACompleteRequestWaits() async throws {
        open.withLockedValue { $0 = false }
        try await request("one")
        channel.read()
        await channel.testingEventLoop.run()
        XCTAssertEqual(reads.withLockedValue { $0 }, 1, "one request in flight, none waiting: keep reading")
        try await request("two")
        channel.read()
        await channel.testingEventLoop.run()
        XCTAssertEqual(reads.withLockedValue { $0 }, 1, "a complete request waits: stop reading")
        open.withLockedValue { $0 = true }
        let bodies = try await answers(2).map(\.1)
        XCTAssertEqual(bodies, ["one", "two"])
        XCTAssertEqual(reads.withLockedValue { $0 }, 2, "the held read is issued once the waiting request is taken")
    }

    func testARefusalWaitsForEarlierAnswersThenCloses() async throws {
        open.withLockedValue { $0 = false }
        try await request("one")
        try await request(String(repeating: "x", count: 17))
        try await request("never")
        open.withLockedValue { $0 = true }
        let answers = try await answers(2)
        XCTAssertEqual(answers.map(\.0), [.ok, .payloadTooLarge])
        XCTAssertEqual(answers.first?.1, "one")
        let quiet = try await nothingMoreWritten()
        XCTAssertTrue(quiet)
        XCTAssertFalse(channel.isActive)
    }

    func testConnectionCloseDropsWhatFollows() async throws {
        open.withLockedValue { $0 = false }
        try await request("bye", headers: [("connection", "close")])
        try await request("ignored")
        open.withLockedValue { $0 = true }
        let bodies = try await answers(1).map(\.1)
        XCTAssertEqual(bodies, ["bye"])
        let quiet = try await nothingMoreWritten()
        XCTAssertTrue(quiet)
        XCTAssertFalse(channel.isActive)
    }
}
