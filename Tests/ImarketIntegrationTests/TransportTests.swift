import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// API section 1 over the real server: TLS versions and suites, HTTP status paths and limits.
final class TransportTests: IntegrationTestCase {
    private func tool(_ executable: String, _ arguments: [String], input: String = "") throws -> (Int32, String) {
        let result = try ChildProcess.run("/bin/sh", ["-c", "printf '%s' \"$0\" | \"$@\" 2>&1", input, executable] + arguments)
        return (result.status, result.stdout + result.stderr)
    }

    private func curlPing(_ extra: [String]) throws -> (Int32, String) {
        let server = try self.server
        return try tool("/usr/bin/curl", ["-sS", "--cacert", server.caPath, "-H", "Content-Type: application/json",
                                          "-d", #"{"jsonrpc":"2.0","method":"system.ping","id":1}"#,
                                          "https://localhost:\(server.port)/rpc"] + extra)
    }

    func testCurlWithTLS13AndTLS12() throws {
        let (status13, out13) = try curlPing(["--tlsv1.3", "-w", "\n%{http_code}"])
        XCTAssertEqual(status13, 0, out13)
        XCTAssertTrue(out13.contains(#""result":{"version""#), out13)
        XCTAssertTrue(out13.hasSuffix("200"), out13)
        let (status12, out12) = try curlPing(["--tlsv1.2", "--tls-max", "1.2"])
        XCTAssertEqual(status12, 0, out12)
        XCTAssertTrue(out12.contains(#""result":{"version""#), out12)
    }

    private func sClient(_ arguments: [String]) throws -> (Int32, String) {
        let port = try server.port
        return try tool("/usr/bin/timeout", ["10", "openssl", "s_client", "-connect", "127.0.0.1:\(port)",
                                              "-servername", "localhost", "-CAfile", try server.caPath] + arguments,
                        input: "Q\n")
    }

    func testOpenSSLClientVersionsAndSuites() throws {
        let (s13, o13) = try sClient(["-tls1_3", "-alpn", "http/1.1"])
        XCTAssertEqual(s13, 0, o13)
        XCTAssertTrue(o13.contains("TLSv1.3"), o13)
        XCTAssertTrue(o13.contains("ALPN protocol: http/1.1"), o13)
        XCTAssertTrue(o13.contains("Verify return code: 0 (ok)"), o13)

        let (s12, o12) = try sClient(["-tls1_2"])
        XCTAssertEqual(s12, 0, o12)
        XCTAssertTrue(o12.contains("ECDHE"), o12)

        // TLS 1.1 allowed on the client side, so the refusal is the server's.
        let (s11, o11) = try sClient(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        XCTAssertNotEqual(s11, 0, o11)
        XCTAssertTrue(o11.contains("protocol version") || o11.contains("no protocols available"), o11)

        // RSA key exchange without ECDHE is refused on TLS 1.2.
        let (sRSA, oRSA) = try sClient(["-tls1_2", "-cipher", "AES128-GCM-SHA256"])
        XCTAssertNotEqual(sRSA, 0, oRSA)
        // CBC suites are refused even with ECDHE.
        let (sCBC, oCBC) = try sClient(["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256"])
        XCTAssertNotEqual(sCBC, 0, oCBC)
    }

    func testPlainHTTPIsNotServed() throws {
        let port = try server.port
        let (status, out) = try tool("/usr/bin/curl", ["-sS", "--max-time", "10", "http://127.0.0.1:\(port)/healthz"])
        XCTAssertNotEqual(status, 0, out)
        XCTAssertFalse(out.contains("ok"), out)
    }

    func testStatusPaths() throws {
        let client = try anonymousClient()
        let http = client.http

        let ok = try http.request(method: "GET", path: "/healthz")
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(try http.request(method: "GET", path: "/readyz").status, 200)
        XCTAssertEqual(try http.request(method: "GET", path: "/nope").status, 404)

        let get = try http.request(method: "GET", path: "/rpc")
        XCTAssertEqual(get.status, 405)
        XCTAssertEqual(try http.request(method: "PUT", path: "/rpc", body: Array("{}".utf8)).status, 405)

        let wrongType = try client.post(#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#, contentType: "text/plain")
        XCTAssertEqual(wrongType.status, 415)

        let withCharset = try client.post(#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#,
                                          contentType: "application/json; charset=utf-8")
        XCTAssertEqual(withCharset.status, 200)

        let notification = try client.post(#"{"jsonrpc":"2.0","method":"system.ping"}"#)
        XCTAssertEqual(notification.status, 204)
        XCTAssertTrue(notification.body.isEmpty)
    }

    func testInvalidTokenIs401ForTheWholeRequest() throws {
        let client = try anonymousClient()
        for token in ["imk_" + String(repeating: "0", count: 64), "garbage"] {
            client.token = token
            let response = try client.post(#"[{"jsonrpc":"2.0","method":"system.ping","id":1}]"#)
            XCTAssertEqual(response.status, 401)
            let body = try JSONParser.parse(response.body)
            XCTAssertEqual(body["id"], .null)
            XCTAssertEqual(body["error"]?["code"]?.int64Value, -32001)
            XCTAssertEqual(body["error"]?["data"]?["reason"]?.stringValue, "invalid_token")
        }
    }

    func testBodyTooLargeIs413WithoutReadingIt() throws {
        let client = try anonymousClient()
        // Announce 50 MiB but send only the head: the answer must come without the body.
        let head = "POST /rpc HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n"
        try client.http.sendRaw(Array(head.utf8))
        let raw = client.http.readRawUntilClose(timeout: 10)
        XCTAssertFalse(raw.timedOut)
        let text = String(decoding: raw.bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 413"), text)
        XCTAssertTrue(text.contains(#""code":-32600"#), text)
        XCTAssertTrue(text.contains(#""reason":"body_too_large""#), text)
        XCTAssertTrue(text.contains(#""id":null"#), text)

        // Chunked bodies are cut off at the limit too.
        let chunked = try anonymousClient()
        let chunkHead = "POST /rpc HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        let chunk = String(repeating: " ", count: 600_000)
        let body = String(600_000, radix: 16) + "\r\n" + chunk + "\r\n"
        try chunked.http.sendRaw(Array((chunkHead + body + body).utf8))
        let rawChunked = chunked.http.readRawUntilClose(timeout: 10)
        XCTAssertTrue(String(decoding: rawChunked.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 413"))
    }

    func testOversizedHeadersGet431() throws {
        let client = try anonymousClient()
        let big = String(repeating: "a", count: 17 * 1024)
        let response = try client.http.request(method: "GET", path: "/healthz", headers: [("X-Big", big)])
        XCTAssertEqual(response.status, 431)
        let huge = try anonymousClient()
        let response2 = try huge.http.request(method: "GET", path: "/healthz",
                                              headers: (0..<20).map { ("X-H\($0)", String(repeating: "b", count: 5000)) })
        XCTAssertEqual(response2.status, 431)
    }

    func testKeepAliveAndPipelining() throws {
        let client = try anonymousClient()
        // Three requests in one write; three answers in order on the same connection.
        var raw = ""
        for id in 1...3 {
            let body = #"{"jsonrpc":"2.0","method":"system.ping","id":\#(id)}"#
            raw += "POST /rpc HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        raw += "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        try client.http.sendRaw(Array(raw.utf8))
        let text = String(decoding: client.http.readRawUntilClose(timeout: 10).bytes, as: UTF8.self)
        let ids = text.components(separatedBy: #""id":"#).dropFirst().map { $0.prefix(1) }
        XCTAssertEqual(ids, ["1", "2", "3"], text)
        XCTAssertEqual(text.components(separatedBy: "HTTP/1.1 200").count - 1, 4, text)
        // Sequential keep-alive requests reuse one connection.
        let keep = try anonymousClient()
        for _ in 0..<5 { XCTAssertNotNil(try keep.call("system.ping").result) }
    }

    func testSlowHeadersAreClosed() throws {
        let client = try anonymousClient()
        try client.http.sendRaw(Array("POST /rpc HTTP/1.1\r\nHost: local".utf8))
        let start = Date()
        let raw = client.http.readRawUntilClose(timeout: 20)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertFalse(raw.timedOut, "connection should have been closed by the server")
        XCTAssertGreaterThan(elapsed, 8)
        XCTAssertLessThan(elapsed, 15)
        XCTAssertFalse(String(decoding: raw.bytes, as: UTF8.self).contains("200 OK"))
    }
}
