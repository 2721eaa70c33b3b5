import Foundation
import ImarketTLS
import XCTest

final class CryptoAndCertificateTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(Crypto.sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(Crypto.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Crypto.sha256Hex(bytes: Array("abc".utf8)), Crypto.sha256Hex("abc"))
        // Non-contiguous sequence takes the copying path.
        XCTAssertEqual(Crypto.hex(Crypto.sha256("abc".utf8.lazy.map { $0 })), Crypto.sha256Hex("abc"))
    }

    func testHMACSHA256RFC4231Case2() {
        let mac = Crypto.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(Crypto.hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(Crypto.hmacSHA256(key: [], data: [UInt8]()).count, 32)
    }

    func testRandomAndConstantTimeEquals() {
        let a = Crypto.randomBytes(32)
        XCTAssertEqual(a.count, 32)
        XCTAssertNotEqual(a, Crypto.randomBytes(32))
        XCTAssertTrue(Crypto.randomBytes(0).isEmpty)
        XCTAssertTrue(Crypto.constantTimeEquals(a, a))
        XCTAssertFalse(Crypto.constantTimeEquals(a, Array(a.dropLast())))
        var b = a
        b[31] ^= 1
        XCTAssertFalse(Crypto.constantTimeEquals(a, b))
        XCTAssertEqual(Crypto.hex([0x00, 0xab, 0xff]), "00abff")
    }

    func testDevCertificatesAreCreatedWithModesAndReused() throws {
        let dir = NSTemporaryDirectory() + "imarket-devcert-\(getpid())/nested"
        let paths = try DevCertificates.ensureServerCertificates(in: dir)
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
        }
        XCTAssertEqual(try mode(dir), 0o700)
        XCTAssertEqual(try mode(paths.caKeyPath), 0o600)
        XCTAssertEqual(try mode(paths.serverKeyPath), 0o600)
        let serverPrint = try DevCertificates.fingerprint(ofPEMCertificateAt: paths.serverCertificatePath)
        let again = try DevCertificates.ensureServerCertificates(in: dir)
        XCTAssertEqual(again, paths)
        XCTAssertEqual(try DevCertificates.fingerprint(ofPEMCertificateAt: paths.serverCertificatePath), serverPrint)

        // Cross-check with the openssl tool: chain verifies, extensions as specified.
        let verify = try ProcessRunner.run("/usr/bin/openssl", ["verify", "-CAfile", paths.caCertificatePath, "-purpose", "sslserver", paths.serverCertificatePath])
        XCTAssertEqual(verify.status, 0, verify.output)
        let text = try ProcessRunner.run("/usr/bin/openssl", ["x509", "-in", paths.serverCertificatePath, "-noout", "-text", "-fingerprint", "-sha256"])
        XCTAssertTrue(text.stdout.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"), text.stdout)
        XCTAssertTrue(text.stdout.contains("TLS Web Server Authentication"), text.stdout)
        XCTAssertTrue(text.stdout.contains("ASN1 OID: prime256v1"), text.stdout)
        let colonPrint = text.stdout.components(separatedBy: "Fingerprint=").last?.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(colonPrint?.replacingOccurrences(of: ":", with: "").lowercased(), serverPrint)
        let ca = try ProcessRunner.run("/usr/bin/openssl", ["x509", "-in", paths.caCertificatePath, "-noout", "-text"])
        XCTAssertTrue(ca.stdout.contains("CA:TRUE"), ca.stdout)
        XCTAssertTrue(ca.stdout.contains("Certificate Sign, CRL Sign"), ca.stdout)

        let client = try DevCertificates.issueClientCertificate(caDirectory: dir, commonName: "bob", outputDirectory: dir + "/c")
        let clientVerify = try ProcessRunner.run("/usr/bin/openssl", ["verify", "-CAfile", paths.caCertificatePath, "-purpose", "sslclient", client.certPath])
        XCTAssertEqual(clientVerify.status, 0, clientVerify.output)
        XCTAssertEqual(try mode(client.keyPath), 0o600)
    }

    func testContextErrorsAreClear() throws {
        let dir = NSTemporaryDirectory() + "imarket-ctxerr-\(getpid())"
        let a = try DevCertificates.ensureServerCertificates(in: dir + "/a")
        let b = try DevCertificates.ensureServerCertificates(in: dir + "/b")
        XCTAssertThrowsError(try TLSContext(server: TLSConfiguration(certificateChainPath: a.serverCertificatePath, privateKeyPath: b.serverKeyPath))) {
            XCTAssertEqual(($0 as? TLSError)?.code, .privateKeyMismatch)
        }
        XCTAssertThrowsError(try TLSContext(server: TLSConfiguration(certificateChainPath: dir + "/missing.pem", privateKeyPath: a.serverKeyPath))) {
            XCTAssertEqual(($0 as? TLSError)?.code, .certificateLoadFailed)
        }
        XCTAssertNoThrow(try TLSContext(server: TLSConfiguration(certificateChainPath: a.serverCertificatePath, privateKeyPath: a.serverKeyPath)))
    }
}
