import ImarketTLS
import XCTest

/// Interoperability and protocol policy, checked with real clients (curl, openssl).
final class ExternalClientTests: TLSTestCase {
    func testCurlTLS13() throws {
        let server = try startServer()
        let result = try curl(["--tlsv1.3"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.stdout, "ok")
        XCTAssertTrue(result.stderr.contains("TLSv1.3"), result.stderr)
        XCTAssertTrue(server.events.waitFor { $0.handshakes.count == 1 })
        XCTAssertEqual(server.events.handshakes.first?.protocolVersion, "TLSv1.3")
        XCTAssertEqual(server.events.handshakes.first?.negotiatedProtocol, "http/1.1")
        XCTAssertNil(server.events.handshakes.first?.peerCertificateSHA256)
    }

    func testCurlTLS12() throws {
        let server = try startServer()
        let result = try curl(["--tlsv1.2", "--tls-max", "1.2"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.stdout, "ok")
        XCTAssertTrue(server.events.waitFor { $0.handshakes.count == 1 })
        XCTAssertEqual(server.events.handshakes.first?.protocolVersion, "TLSv1.2")
        XCTAssertTrue(server.events.handshakes.first?.cipherSuite.hasPrefix("ECDHE-") ?? false)
    }

    func testOpenSSLTLS13AndALPN() throws {
        _ = try startServer()
        let result = try sClient(["-tls1_3", "-alpn", "http/1.1"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.contains("TLSv1.3"), result.stdout)
        XCTAssertTrue(result.stdout.contains("ALPN protocol: http/1.1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Verify return code: 0 (ok)"), result.stdout)
    }

    func testOpenSSLTLS12() throws {
        _ = try startServer()
        let result = try sClient(["-tls1_2"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.contains("TLSv1.2"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Cipher is ECDHE-"), result.stdout)
    }

    func testTLS11IsRefusedByServer() throws {
        let server = try startServer()
        let result = try sClient(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertFalse(result.stdout.contains("Cipher is ECDHE"), result.stdout)
        // The refusal must come from the server, not from the client's own policy.
        XCTAssertTrue(server.events.waitFor { $0.errors.contains { $0.code == .handshakeFailed } }, "\(server.events.errors)")
    }

    func testNonECDHESuiteIsRefused() throws {
        let server = try startServer()
        let result = try sClient(["-tls1_2", "-cipher", "AES128-GCM-SHA256"])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(server.events.waitFor { $0.errors.contains { $0.code == .handshakeFailed } })
        XCTAssertTrue(server.events.handshakes.isEmpty)
    }

    func testALPNWithoutHTTP11IsRejected() throws {
        let server = try startServer()
        let result = try sClient(["-tls1_3", "-alpn", "h2"])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("no application protocol"), result.output)
        XCTAssertTrue(server.events.handshakes.isEmpty)
    }

    func testNoALPNIsAccepted() throws {
        let server = try startServer()
        let result = try sClient(["-tls1_3"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(server.events.waitFor { $0.handshakes.count == 1 })
        XCTAssertNil(server.events.handshakes.first?.negotiatedProtocol)
    }
}
