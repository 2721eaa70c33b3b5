import NIOCore
import NIOHTTP1
import XCTest

@testable import ImarketHTTP

/// Request framing without I/O: whole and split input, pipelining, chunked bodies, the limits,
/// and every ambiguity that could let two parsers disagree about where a request ends.
final class HTTPRequestParserTests: XCTestCase {
    private enum Outcome: Equatable {
        case request(method: String, uri: String, body: String)
        case refused(HTTPLimitViolation)
    }

    /// Feeds `input` in pieces of `step` bytes (0: all at once) and collects what comes out.
    private func parse(_ input: String, step: Int = 0, maxHeader: Int = 1024, maxBody: Int = 64) -> [Outcome] {
        var parser = HTTPRequestParser(maxHeaderSize: maxHeader, maxBodySize: maxBody)
        let bytes = Array(input.utf8)
        var buffer = ByteBuffer()
        var outcomes: [Outcome] = []
        var offset = 0
        while offset < bytes.count {
            let end = step == 0 ? bytes.count : min(bytes.count, offset + step)
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            loop: while true {
                switch parser.next(from: &buffer) {
                case .needMoreData: break loop
                case .request(let head, let body):
                    outcomes.append(.request(method: head.method.rawValue, uri: head.uri, body: String(buffer: body)))
                case .refuse(let violation):
                    outcomes.append(.refused(violation))
                    return outcomes
                }
            }
        }
        return outcomes
    }

    private let ping = "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello"

    func testWholeAndByteByByteGiveTheSameRequest() {
        let expected = [Outcome.request(method: "POST", uri: "/rpc", body: "hello")]
        XCTAssertEqual(parse(ping), expected)
        XCTAssertEqual(parse(ping, step: 1), expected)
        XCTAssertEqual(parse(ping, step: 7), expected)
    }

    func testHeadersAreKeptWithTheirSpellingAndTrimmed() {
        var parser = HTTPRequestParser(maxHeaderSize: 1024, maxBodySize: 64)
        var buffer = ByteBuffer(string: "GET /a?b=c HTTP/1.0\r\nX-One:   spaced value \t\r\nx-two:\r\n\r\n")
        guard case .request(let head, let body) = parser.next(from: &buffer) else { return XCTFail("no request") }
        XCTAssertEqual(head.version, .http1_0)
        XCTAssertEqual(head.method, .GET)
        XCTAssertEqual(head.uri, "/a?b=c")
        XCTAssertEqual(head.headers.first(name: "x-one"), "spaced value")
        XCTAssertEqual(head.headers.first(name: "X-Two"), "")
        XCTAssertEqual(body.readableBytes, 0)
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    func testPipelinedRequestsComeOutInOrder() {
        let input = ping + "\r\n" + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + ping
        let expected: [Outcome] = [
            .request(method: "POST", uri: "/rpc", body: "hello"),
            .request(method: "GET", uri: "/healthz", body: ""),
            .request(method: "POST", uri: "/rpc", body: "hello"),
        ]
        XCTAssertEqual(parse(input), expected)
        XCTAssertEqual(parse(input, step: 3), expected)
    }

    func testChunkedBodiesWithExtensionsAndTrailers() {
        let input = "POST /rpc HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1A\r\n" + String(repeating: "z", count: 26) + "\r\n0\r\nX-Trailer: t\r\n\r\n"
            + "GET / HTTP/1.1\r\n\r\n"
        let expected: [Outcome] = [
            .request(method: "POST", uri: "/rpc", body: "hello" + String(repeating: "z", count: 26)),
            .request(method: "GET", uri: "/", body: ""),
        ]
        XCTAssertEqual(parse(input), expected)
        XCTAssertEqual(parse(input, step: 1), expected)
    }

    func testBodyLimitIsEnforcedBeforeTheBodyArrives() {
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n"), [.refused(.bodyTooLarge)])
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"), [.refused(.bodyTooLarge)])
        let chunks = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + String(repeating: "a", count: 32) + "\r\n21\r\n"
        XCTAssertEqual(parse(chunks), [.refused(.bodyTooLarge)])
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nContent-Length: 64\r\n\r\n" + String(repeating: "a", count: 64)).count, 1)
    }

    func testHeadLimitIsEnforcedWithoutWaitingForTheEnd() {
        let long = "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 2000)
        XCTAssertEqual(parse(long), [.refused(.headersTooLarge)])
        XCTAssertEqual(parse(long, step: 100), [.refused(.headersTooLarge)])
        let trailers = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + String(repeating: "t", count: 2000)
        XCTAssertEqual(parse(trailers), [.refused(.headersTooLarge)])
    }

    func testAmbiguousFramingIsRefused() {
        let malformed: [String] = [
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",  // both framings
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",  // other codings
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",  // chunked twice
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",  // chunked in HTTP/1.0
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",  // conflicting lengths
            "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 5,\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
            "POST / HTTP/1.1\nHost: x\r\n\r\n",  // bare LF
            "POST / HTTP/1.1\r\nHost: x\r\n  folded\r\n\r\n",  // obs-fold
            "POST / HTTP/1.1\r\nHost : x\r\n\r\n",  // space before the colon
            "POST / HTTP/1.1\r\nHo(st: x\r\n\r\n",  // not a token
            "POST / HTTP/1.1\r\nHost: a\u{1}b\r\n\r\n",  // control character
            "POST / HTTP/1.1\r\nHost: a\rb\r\n\r\n",  // bare CR
            "POST  / HTTP/1.1\r\n\r\n",
            "POST / HTTP/2.0\r\n\r\n",
            "POST /\r\n\r\n",
            "POST / HTTP/1.1 \r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  // chunk size not hex
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",  // no CRLF after data
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n",  // bare LF in chunk line
        ]
        for input in malformed {
            XCTAssertEqual(parse(input), [.refused(.malformedRequest)], input.debugDescription)
        }
    }

    func testEquivalentFramingsAreAccepted() {
        XCTAssertEqual(parse("\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nhi"),
                       [.request(method: "POST", uri: "/", body: "hi")])
        XCTAssertEqual(parse("POST / HTTP/1.1\r\ntransfer-encoding:  Chunked \r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
                       [.request(method: "POST", uri: "/", body: "hi")])
    }

    func testResponsesAreOneBufferWithTheRightFraming() {
        let response = HTTPServerResponse(status: .ok, headers: ["content-type": "application/json", "content-length": "99"],
                                          body: ByteBuffer(string: "{}"))
        func text(_ framing: HTTPResponseSerializer.Framing, _ response: HTTPServerResponse) -> String {
            String(buffer: HTTPResponseSerializer.serialize(response, framing: framing, allocator: ByteBufferAllocator()))
        }
        let plain = HTTPResponseSerializer.Framing(isHead: false, closing: false, confirmKeepAlive: false)
        XCTAssertEqual(text(plain, response), "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
        let head = HTTPResponseSerializer.Framing(isHead: true, closing: true, confirmKeepAlive: false)
        XCTAssertEqual(text(head, response), "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n")
        let old = HTTPResponseSerializer.Framing(isHead: false, closing: false, confirmKeepAlive: true)
        XCTAssertTrue(text(old, response).contains("\r\nconnection: keep-alive\r\n"))
        XCTAssertEqual(text(plain, HTTPServerResponse(status: .noContent)), "HTTP/1.1 204 No Content\r\n\r\n")
        XCTAssertEqual(text(plain, HTTPServerResponse(status: .payloadTooLarge, body: ByteBuffer(string: ""))),
                       "HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n")
        var asBytes = response
        asBytes.body = .bytes(Array("{}".utf8))
        XCTAssertEqual(text(plain, asBytes), text(plain, response), "a body given as bytes is written the same")
        XCTAssertEqual(text(head, asBytes), text(head, response))
        for size in [9, 10, 99, 100, 12_345] {
            let big = text(head, HTTPServerResponse(status: .ok, body: ByteBuffer(repeating: 0x61, count: size)))
            XCTAssertTrue(big.contains("\r\ncontent-length: \(size)\r\n"), big)
        }
    }

    func testWebSocketAcceptValueFollowsRFC6455() {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/rpc", headers: [
            "Upgrade": "websocket", "Connection": "keep-alive, Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13",
        ])
        XCTAssertTrue(WebSocketUpgrade.isRequested(head))
        XCTAssertEqual(WebSocketUpgrade.acceptValue(head), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        var wrongVersion = head
        wrongVersion.headers.replaceOrAdd(name: "Sec-WebSocket-Version", value: "8")
        XCTAssertNil(WebSocketUpgrade.acceptValue(wrongVersion))
        var post = head
        post.method = .POST
        XCTAssertFalse(WebSocketUpgrade.isRequested(post))
        var old = head
        old.version = .http1_0
        XCTAssertFalse(WebSocketUpgrade.isRequested(old))
    }
}
