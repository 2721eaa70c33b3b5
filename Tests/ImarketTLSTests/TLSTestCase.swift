import Foundation
import ImarketTLS
import NIOPosix
import XCTest

/// Shared fixtures: one dev PKI per test process (generation is the slow part),
/// one event loop group, and a server per test.
class TLSTestCase: XCTestCase {
    static let pkiDirectory: String = {
        let dir = NSTemporaryDirectory() + "imarket-tls-tests-\(getpid())"
        return dir
    }()
    static let certificates: DevCertificatePaths = {
        try! DevCertificates.ensureServerCertificates(in: pkiDirectory + "/pki")
    }()
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    var certificates: DevCertificatePaths { Self.certificates }
    var server: TestTLSServer!

    func startServer(
        clientCA: Bool = false, handshakeTimeout: Double = 10, closeNotifyTimeout: Double = 3
    ) throws -> TestTLSServer {
        let configuration = TLSConfiguration(
            certificateChainPath: certificates.serverCertificatePath,
            privateKeyPath: certificates.serverKeyPath,
            clientCAPath: clientCA ? certificates.caCertificatePath : nil,
            handshakeTimeout: .milliseconds(Int64(handshakeTimeout * 1000)),
            closeNotifyTimeout: .milliseconds(Int64(closeNotifyTimeout * 1000))
        )
        let server = try TestTLSServer(configuration: configuration, group: Self.group)
        self.server = server
        return server
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    /// `openssl s_client` against the test server, stdin closed right away.
    func sClient(_ extra: [String]) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", certificates.caCertificatePath,
            "-verify_return_error", "-servername", "localhost",
        ] + extra)
    }

    func curl(_ extra: [String]) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/curl", [
            "-sS", "-v", "--max-time", "10", "--cacert", certificates.caCertificatePath,
        ] + extra + ["https://127.0.0.1:\(server.port)/"])
    }
}
