import ImarketTLS
import XCTest

final class CryptoSealTests: XCTestCase {
    func testSealedDataOpensOnlyWithTheKeyAndUnaltered() {
        let key = Crypto.randomBytes(32)
        let message = Array("{\"token\":\"imk_secret\"}".utf8)
        let sealed = Crypto.seal(message, key: key)
        XCTAssertEqual(sealed.count, 12 + message.count + 16)
        XCTAssertNotEqual(Array(sealed.dropFirst(12).prefix(message.count)), message)
        XCTAssertEqual(Crypto.open(sealed, key: key), message)
        // Fresh nonce each time.
        XCTAssertNotEqual(Crypto.seal(message, key: key), sealed)
        XCTAssertNil(Crypto.open(sealed, key: Crypto.randomBytes(32)))
        for position in [0, 12, sealed.count - 1] {
            var altered = sealed
            altered[position] ^= 0x01
            XCTAssertNil(Crypto.open(altered, key: key), "flipped byte \(position)")
        }
        XCTAssertNil(Crypto.open(Array(sealed.prefix(20)), key: key))
        XCTAssertEqual(Crypto.open(Crypto.seal([], key: key), key: key), [])
    }
}
