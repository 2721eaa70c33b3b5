import ImarketTLS
import ImarketTestSupport
import XCTest

/// Optional client certificates, and the blocking TLSTestClient's HTTP handling.
final class ClientCertificateTests: TLSTestCase {
    func testIssuedClientCertificateIsReportedByFingerprint() throws {
        let server = try startServer(clientCA: true)
        let issued = try DevCertificates.issueClientCertificate(
            caDirectory: certificates.directory, commonName: "alice", outputDirectory: Self.pkiDirectory + "/clients")
        XCTAssertEqual(issued.sha256Fingerprint, try DevCertificates.fingerprint(ofPEMCertificateAt: issued.certPath))
        let client = try TLSTestClient(port: server.port, caPath: certificates.caCertificatePath,
                                       certificatePath: issued.certPath, keyPath: issued.keyPath)
        let response = try client.request(method: "GET", path: "/")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(server.events.waitFor { $0.handshakes.count == 1 })
        XCTAssertEqual(server.events.handshakes.first?.peerCertificateSHA256, issued.sha256Fingerprint)
        XCTAssertEqual(issued.sha256Fingerprint.count, 64)
    }

    func testNoClientCertificateStillConnects() throws {
        let server = try startServer(clientCA: true)
        let client = try TLSTestClient(port: server.port, caPath: certificates.caCertificatePath)
        XCTAssertEqual(try client.request(method: "GET", path: "/").bodyString, "ok")
        XCTAssertTrue(server.events.waitFor { $0.handshakes.count == 1 })
        XCTAssertNil(server.events.handshakes.first?.peerCertificateSHA256)
    }

    func testCertificateFromAnotherCAIsRejected() throws {
        let server = try startServer(clientCA: true)
        let otherPKI = Self.pkiDirectory + "/other-ca"
        _ = try DevCertificates.ensureServerCertificates(in: otherPKI)
        let foreign = try DevCertificates.issueClientCertificate(
            caDirectory: otherPKI, commonName: "mallory", outputDirectory: otherPKI)
        // With TLS 1.3 the client finishes before the server checks its certificate,
        // so the rejection may surface on connect or on the first request.
        XCTAssertThrowsError(try {
            let client = try TLSTestClient(port: server.port, caPath: certificates.caCertificatePath,
                                           certificatePath: foreign.certPath, keyPath: foreign.keyPath)
            _ = try client.request(method: "GET", path: "/")
        }())
        XCTAssertTrue(server.events.waitFor { $0.errors.contains { $0.code == .handshakeFailed } })
        XCTAssertTrue(server.events.handshakes.isEmpty)
    }

    func testKeepAliveChunkedAndPostOverOneConnection() throws {
        let server = try startServer()
        let client = try TLSTestClient(port: server.port, caPath: certificates.caCertificatePath)
        XCTAssertEqual(try client.request(method: "GET", path: "/").bodyString, "ok")
        XCTAssertEqual(try client.request(method: "GET", path: "/chunked").bodyString, "abcdefg")
        let json = #"{"jsonrpc":"2.0","method":"ping","id":1}"#
        XCTAssertEqual(try client.postJSON(body: json, bearer: "token").bodyString, json)
        XCTAssertTrue(server.events.waitFor { $0.handshakes.count == 1 })
        XCTAssertEqual(server.events.handshakes.count, 1, "requests must reuse one connection")
    }

    func testServerCertificateFromUntrustedCAIsRefusedByClient() throws {
        let server = try startServer()
        let otherPKI = try DevCertificates.ensureServerCertificates(in: Self.pkiDirectory + "/untrusted")
        XCTAssertNoThrow(try TLSTestClient(port: server.port, caPath: certificates.caCertificatePath))
        XCTAssertThrowsError(try TLSTestClient(port: server.port, caPath: otherPKI.caCertificatePath)) {
            XCTAssertTrue("\($0)".contains("certificate verify failed"), "\($0)")
        }
    }
}
