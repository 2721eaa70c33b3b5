import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest

@testable import ImarketHTTP

/// The WebSocket handshake inside `HTTPConnectionHandler`: frames sent right behind the upgrade
/// request reach the session, and a refused upgrade is answered as HTTP with parsing resumed.
final class WebSocketUpgradeTests: XCTestCase {
    /// Answers every HTTP request with "METHOD URI".
    private struct Describe: HTTPResponder {
        func answer(_ request: HTTPServerRequest) -> HTTPAnswer {
            .later { HTTPServerResponse(status: .ok, body: ByteBuffer(string: "\(request.method.rawValue) \(request.uri)")) }
        }
        func limitResponse(_ violation: HTTPLimitViolation) -> HTTPServerResponse { HTTPServerResponse(status: .badRequest) }
    }

    /// Opens a session only for `authorization: ok`; the session records the texts it receives.
    private struct Gate: WebSocketResponder {
        let received: NIOLockedValueBox<[String]>
        func openWebSocket(path: Substring, headers: HTTPHeaders, connection: ConnectionInfo) async -> (any WebSocketSessionDelegate)? {
            headers.first(name: "authorization") == "ok" ? Recorder(received: received) : nil
        }
    }

    private struct Recorder: WebSocketSessionDelegate {
        let received: NIOLockedValueBox<[String]>
        func didReceive(text: [UInt8], session: WebSocketSession) async {
            received.withLockedValue { $0.append(String(decoding: text, as: UTF8.self)) }
        }
        func didClose(session: WebSocketSession) {}
    }

    private var channel: NIOAsyncTestingChannel!
    private let received = NIOLockedValueBox<[String]>([])

    override func setUp() async throws {
        let webSocket = WebSocketUpgrade(responder: Gate(received: received), maxMessageSize: 1024, executor: nil)
        channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(
                responder: Describe(), configuration: HTTPServerConfiguration(),
                connection: ConnectionInfo(remoteAddress: "127.0.0.1", clientCertificateSHA256: nil), webSocket: webSocket))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
    }

    override func tearDown() async throws {
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    private func upgradeRequest(authorized: Bool) -> String {
        "GET /rpc HTTP/1.1\r\nhost: test\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n"
            + (authorized ? "authorization: ok\r\n" : "") + "\r\n"
    }

    /// A client's text frame (clients must mask).
    private func maskedText(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        return [0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    func testFramesRightBehindTheUpgradeReachTheSession() async throws {
        var bytes = ByteBuffer(string: upgradeRequest(authorized: true))
        bytes.writeBytes(maskedText("first"))
        try await channel.writeInbound(bytes)
        let answer = String(buffer: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"), answer)
        XCTAssertTrue(answer.contains("\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), answer)
        try await channel.writeInbound(ByteBuffer(bytes: maskedText("second")))
        for _ in 0..<200 where received.withLockedValue({ $0.count }) < 2 {
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        XCTAssertEqual(received.withLockedValue { $0 }, ["first", "second"])
        let http: Void? = try? await channel.pipeline.containsHandler(type: HTTPConnectionHandler.self).get()
        XCTAssertNil(http, "HTTP left the pipeline")
    }

    func testARefusedUpgradeIsAnsweredAndHTTPGoesOn() async throws {
        let pipelined = upgradeRequest(authorized: false) + "POST /after HTTP/1.1\r\ncontent-length: 0\r\n\r\n"
        try await channel.writeInbound(ByteBuffer(string: pipelined))
        let first = String(buffer: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        let second = String(buffer: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        XCTAssertTrue(first.hasPrefix("HTTP/1.1 200 OK\r\n") && first.hasSuffix("GET /rpc"), first)
        XCTAssertTrue(second.hasSuffix("POST /after"), second)
        XCTAssertTrue(received.withLockedValue { $0.isEmpty })
    }
}
