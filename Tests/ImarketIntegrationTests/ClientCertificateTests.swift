import Foundation
import ImarketJSONRPC
import ImarketTLS
import ImarketTestSupport
import XCTest

/// API section 1/2: with `--client-ca`, a verified client certificate bound to an account
/// authenticates as that account without a bearer token.
final class ClientCertificateTests: IntegrationTestCase {
    /// A separate CA for client certificates, made before the server starts.
    static let pki: (dir: String, ca: String) = {
        let dir = ServerProcess.temporaryDirectory()
        let paths = try! DevCertificates.ensureServerCertificates(in: dir + "/clientca")
        return (dir, paths.caCertificatePath)
    }()

    override class var serverArguments: [String] { ["--client-ca", pki.ca] }

    func testBoundCertificateAuthenticatesAsItsAccount() throws {
        let issued = try DevCertificates.issueClientCertificate(
            caDirectory: Self.pki.dir + "/clientca", commonName: "ops-robot", outputDirectory: Self.pki.dir)
        let admin = try adminClient()
        let adminId = try admin.result("system.whoami")["accountId"]!.stringValue!

        // Before binding: the certificate verifies but maps to nobody.
        let unbound = try server.client(certificatePath: issued.certPath, keyPath: issued.keyPath)
        assertError(try unbound.call("system.whoami"), code: -32001)

        let bind = try server.cli(["cert", "bind", "--account", adminId, "--cert", issued.certPath])
        XCTAssertEqual(bind.status, 0, bind.stderr)
        XCTAssertTrue(bind.stdout.contains(issued.sha256Fingerprint))

        let bound = try server.client(certificatePath: issued.certPath, keyPath: issued.keyPath)
        XCTAssertEqual(try bound.result("system.whoami")["accountId"]?.stringValue, adminId)

        // Clients without a certificate still connect.
        XCTAssertNotNil(try anonymousClient().call("system.ping").result)

        // A certificate from another CA fails the handshake.
        let otherDir = ServerProcess.temporaryDirectory()
        _ = try DevCertificates.ensureServerCertificates(in: otherDir + "/ca")
        let foreign = try DevCertificates.issueClientCertificate(caDirectory: otherDir + "/ca", commonName: "intruder", outputDirectory: otherDir)
        XCTAssertThrowsError(try server.client(certificatePath: foreign.certPath, keyPath: foreign.keyPath).call("system.ping"))
    }
}
