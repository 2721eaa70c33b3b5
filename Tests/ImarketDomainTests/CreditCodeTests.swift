import XCTest
@testable import ImarketDomain

final class CreditCodeTests: XCTestCase {
    /// Public codes from business registrations, each checked against the algorithm by hand /
    /// with an independent script before being listed here. They exercise letters in the
    /// organization body (M, Y), an `X`-free org check, and final check characters that are
    /// digits and letters.
    static let realCodes = [
        "91350100M000100Y43",
        "91110000600037341L",
        "91440300708461136T",
        "91110108551385082Q",
        "914403001922038216",
        "91310000132200821H",
        "91110000802100433B",
        "91330100716105852F",
    ]

    func testRealWorldCodesAreValid() {
        for code in Self.realCodes {
            XCTAssertTrue(CreditCode.validate(code), code)
            XCTAssertEqual(CreditCode(code)?.value, code)
        }
    }

    /// Every single-character substitution (any position, any other character of the set) is
    /// rejected. This is guaranteed by the GB 32100 check alone: the weights 3^i mod 31 are all
    /// non-zero and 31 is prime, so changing the value of one of chars 1–17 by d ≢ 0 (mod 31)
    /// changes the weighted sum by w·d ≢ 0 (mod 31) and the check character no longer matches;
    /// changing the 18th char itself obviously breaks the equality.
    func testEverySingleSubstitutionIsRejected() {
        let set = Array(CreditCode.characterSet)
        for code in Self.realCodes {
            let chars = Array(code)
            for pos in 0..<18 {
                for c in set where c != chars[pos] {
                    var m = chars
                    m[pos] = c
                    XCTAssertFalse(CreditCode.validate(String(m)), "\(String(m)) from \(code) at \(pos + 1)")
                }
            }
        }
    }

    /// The organization-code check is enforced on its own: a code whose final check character is
    /// recomputed over a wrong organization check character must still fail.
    func testWrongOrganizationCheckWithCorrectFinalCheckIsRejected() {
        let code = "91350100M000100Y43"
        for c in "0123456789X" where c != "4" {
            let prefix17 = String(code.prefix(16)) + String(c)
            let fin = CreditCode.finalCheckCharacter(prefix17: prefix17)!
            let candidate = prefix17 + String(fin)
            XCTAssertFalse(CreditCode.validate(candidate), candidate)
        }
    }

    func testOrganizationValuesUseAlphabetPositionNotCharacterSetIndex() {
        // 'M' is 22 in GB 11714 (A=10) but 21 as an index in the credit-code set; the real code
        // above only validates with the alphabet value.
        XCTAssertEqual(CreditCode.organizationCheckCharacter(body8: "M000100Y"), "4")
        XCTAssertEqual(CreditCode.organizationValue(UInt8(ascii: "M")), 22)
        XCTAssertEqual(CreditCode.characterValue(UInt8(ascii: "M")), 21)
    }

    func testLowercaseIsRejected() {
        XCTAssertFalse(CreditCode.validate("91350100m000100y43"))
        XCTAssertFalse(CreditCode.validate("91110000600037341l"))
        XCTAssertNil(CreditCode("91440300708461136t"))
    }

    func testWrongLengthIsRejected() {
        XCTAssertFalse(CreditCode.validate(""))
        XCTAssertFalse(CreditCode.validate("91110000600037341"))
        XCTAssertFalse(CreditCode.validate("91110000600037341LL"))
        XCTAssertFalse(CreditCode.validate(" 91110000600037341L"))
        XCTAssertFalse(CreditCode.validate("91110000600037341L "))
    }

    func testExcludedLettersAreRejectedEvenWithRecomputedChecks() {
        for bad in ["I", "O", "Z", "S", "V"] {
            // Put the forbidden letter in the organization body and recompute both checks the
            // way a naive generator would: still invalid because of the character set.
            let body = "1000000" + bad
            XCTAssertNil(CreditCode.organizationCheckCharacter(body8: body))
            XCTAssertNil(CreditCode.makeValid(prefix16: "91110000" + body))
            XCTAssertFalse(CreditCode.validate("91110000" + body + "0A"))
            XCTAssertFalse(CreditCode.validate(bad + "1110000600037341L"))
        }
    }

    func testNonAsciiIsRejected() {
        XCTAssertFalse(CreditCode.validate("９1110000600037341L"))
        XCTAssertFalse(CreditCode.validate("91110000600037341Ł"))
    }

    func testMakeValidComputesBothCheckCharacters() {
        for code in Self.realCodes {
            XCTAssertEqual(CreditCode.makeValid(prefix16: String(code.prefix(16))), code)
            XCTAssertEqual(CreditCode.makeValid(prefix17: String(code.prefix(17))), code)
        }
        XCTAssertNil(CreditCode.makeValid(prefix16: "91110000600037341"), "17 chars is not a prefix16")
        XCTAssertNil(CreditCode.makeValid(prefix16: "911100006000373"), "15 chars")
        XCTAssertNil(CreditCode.makeValid(prefix17: "91110000600037342"), "wrong org check char")
        XCTAssertNil(CreditCode.makeValid(prefix16: "91350100m000100y"), "lower case")
    }

    func testOrganizationCheckMapsTenToXAndElevenToZero() {
        // Search the body space for bodies whose raw check is 10 and 11 and make sure they
        // produce X and 0 and validate once completed.
        var sawX = false, sawZero = false
        for n in 0..<200 {
            let code = CreditCode.synthetic(number: n)!
            XCTAssertTrue(CreditCode.validate(code), code)
            let org = Array(code)[16]
            if org == "X" { sawX = true }
            if org == "0" { sawZero = true }
        }
        XCTAssertTrue(sawX, "some body must give raw check 10 → X")
        XCTAssertTrue(sawZero, "some body must give raw check 11 → 0")
    }

    func testSyntheticCodesAreDistinctAndValid() {
        let codes = (0..<500).compactMap { CreditCode.synthetic(number: $0 * 7919, regionCode: "430482") }
        XCTAssertEqual(codes.count, 500)
        XCTAssertEqual(Set(codes).count, 500)
        XCTAssertTrue(codes.allSatisfy(CreditCode.validate))
        XCTAssertTrue(codes.allSatisfy { $0.hasPrefix("91430482") })
        XCTAssertNil(CreditCode.synthetic(number: -1))
        XCTAssertNil(CreditCode.synthetic(number: 100_000_000))
        XCTAssertNil(CreditCode.synthetic(number: 1, regionCode: "43048"))
    }
}
