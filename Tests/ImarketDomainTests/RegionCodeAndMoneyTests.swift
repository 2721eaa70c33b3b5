import XCTest
@testable import ImarketDomain

final class RegionCodeAndMoneyTests: XCTestCase {
    func testRegionCodeIsExactlySixAsciiDigits() {
        XCTAssertTrue(RegionCode.validate("430482"))
        XCTAssertNotNil(RegionCode("110000"))
        for bad in ["", "43048", "4304821", "43048a", "４30482", " 430482", "-43048"] {
            XCTAssertFalse(RegionCode.validate(bad), bad)
            XCTAssertNil(RegionCode(bad), bad)
        }
    }

    func testRegionPrefixIsOneToSixDigits() {
        for good in ["4", "43", "4304", "430482"] { XCTAssertTrue(RegionCode.validatePrefix(good), good) }
        for bad in ["", "4304821", "4a", "４"] { XCTAssertFalse(RegionCode.validatePrefix(bad), bad) }
    }

    func testPrefixMatching() {
        XCTAssertTrue(RegionCode.matches("430482", prefix: "43"))
        XCTAssertTrue(RegionCode.matches("430482", prefix: "430482"))
        XCTAssertTrue(RegionCode.matches("430482", prefix: nil))
        XCTAssertFalse(RegionCode.matches("430482", prefix: "44"))
        XCTAssertFalse(RegionCode.matches("430482", prefix: ""), "an empty prefix is invalid, not a wildcard")
        XCTAssertFalse(RegionCode.matches("43048", prefix: "43"))
        XCTAssertTrue(RegionCode("430482")!.isWithin(prefix: "4304"))
        XCTAssertFalse(RegionCode("430482")!.isWithin(prefix: "4305"))
    }

    func testEconomicCode() {
        XCTAssertTrue(EconomicCode.validate("30227"))
        XCTAssertFalse(EconomicCode.validate("3022"))
        XCTAssertFalse(EconomicCode.validate("302270"))
        XCTAssertFalse(EconomicCode.validate("3022a"))
    }

    func testMoneyRange() {
        XCTAssertTrue(Money.isValid(Int64(0)))
        XCTAssertTrue(Money.isValid(Int64(10_000_000_000_000)))
        XCTAssertFalse(Money.isValid(Int64(10_000_000_000_001)))
        XCTAssertFalse(Money.isValid(Int64(-1)))
        XCTAssertFalse(Money.isValid(Int.max))
        XCTAssertEqual(Money.validated(5), 5)
        XCTAssertNil(Money.validated(-5))
    }

    func testPriceAtCapComparisonIsExact() {
        // 980‰ of 1001 fen is 980.98 fen: 980 is below, 981 is at/above.
        XCTAssertFalse(Money.isAtOrAbove(980, permille: 980, of: 1001))
        XCTAssertTrue(Money.isAtOrAbove(981, permille: 980, of: 1001))
        XCTAssertTrue(Money.isAtOrAbove(9_800_000, permille: 980, of: 10_000_000))
        XCTAssertTrue(Money.isAtOrAbove(Money.maxFen, permille: 1000, of: Money.maxFen))
    }

    func testYuanString() {
        XCTAssertEqual(Money.yuanString(12345), "123.45")
        XCTAssertEqual(Money.yuanString(5), "0.05")
        XCTAssertEqual(Money.yuanString(100), "1.00")
        XCTAssertEqual(Money.yuanString(-250), "-2.50")
    }
}
