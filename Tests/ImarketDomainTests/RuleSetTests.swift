import XCTest
@testable import ImarketDomain

final class RuleSetTests: XCTestCase {
    func testDefaultsMatchTheContract() {
        let d = RuleSet.defaults
        XCTAssertEqual(d.minBiddingWindowSeconds, 259_200)
        XCTAssertEqual(d.publicityPeriodSeconds, 259_200)
        XCTAssertEqual(d.minBidders, 3)
        XCTAssertEqual(d.directSelectionMaxFen, 10_000_000)
        XCTAssertEqual(d.contractDeadlineDays, 30)
        XCTAssertEqual(d.evaluationDeadlineDays, 30)
        XCTAssertEqual(d.creditSuspendBelow, 60)
        XCTAssertEqual(d.offPlatformMinFen, 0)
        XCTAssertEqual(d.intermediaryEconomicCodes, ["30227"])
        XCTAssertEqual(d.splitWindowDays, 90)
        XCTAssertEqual(d.splitThresholdFen, 10_000_000)
        XCTAssertEqual(d.shortWindowSeconds, 432_000)
        XCTAssertEqual(d.priceAtCapPermille, 980)
        XCTAssertEqual(d.concentrationMinAwards, 4)
        XCTAssertEqual(d.concentrationPermille, 500)
        XCTAssertEqual(d.directSharePermille, 300)
        XCTAssertEqual(d.failedAuthPerMinute, 20)
        XCTAssertEqual(d.registrationsPerMinute, 10)
        XCTAssertEqual(d.timeZone, "Asia/Shanghai")
    }

    func testDictionaryHasExactlyTheContractNames() {
        let names: Set<String> = [
            "minBiddingWindowSeconds", "publicityPeriodSeconds", "minBidders", "directSelectionMaxFen",
            "contractDeadlineDays", "evaluationDeadlineDays", "creditSuspendBelow", "offPlatformMinFen",
            "intermediaryEconomicCodes", "splitWindowDays", "splitThresholdFen", "shortWindowSeconds",
            "priceAtCapPermille", "concentrationMinAwards", "concentrationPermille", "directSharePermille",
            "failedAuthPerMinute", "registrationsPerMinute", "timeZone",
        ]
        XCTAssertEqual(Set(RuleSet.defaults.dictionary.keys), names)
        XCTAssertEqual(RuleDefinition.all.count, names.count)
        XCTAssertEqual(RuleSet.defaults.orderedValues.map(\.name), RuleDefinition.names)
        for d in RuleDefinition.all {
            XCTAssertEqual(RuleSet.defaults.value(of: d.name), d.defaultValue, d.name)
        }
    }

    func testRoundTripThroughDictionary() throws {
        let changed = try RuleSet.defaults.applying(changes: [
            "minBidders": .integer(1), "timeZone": .string("UTC"),
            "intermediaryEconomicCodes": .stringList(["30227", "30205"]),
            "splitThresholdFen": .integer(Money.maxFen),
        ])
        XCTAssertEqual(try RuleSet(dictionary: changed.dictionary), changed)
        XCTAssertEqual(changed.minBidders, 1)
        XCTAssertEqual(changed.timeZone, "UTC")
        XCTAssertEqual(changed.intermediaryEconomicCodes, ["30227", "30205"])
        XCTAssertEqual(changed.splitThresholdFen, Money.maxFen)
        XCTAssertEqual(changed.publicityPeriodSeconds, 259_200, "untouched rules keep their value")
    }

    func testMissingNamesKeepDefaults() throws {
        XCTAssertEqual(try RuleSet(dictionary: [:]), RuleSet.defaults)
        XCTAssertEqual(try RuleSet(dictionary: ["minBidders": .integer(5)]).minBidders, 5)
    }

    func testUnknownRule() {
        XCTAssertThrowsError(try RuleSet.defaults.applying(changes: ["maxBidders": .integer(3)])) { e in
            XCTAssertEqual(e as? RuleError, .unknownRule("maxBidders"))
            XCTAssertEqual((e as? RuleError)?.reason, "unknown_rule")
            XCTAssertEqual((e as? RuleError)?.field, "changes.maxBidders")
        }
    }

    func testWrongType() {
        XCTAssertThrowsError(try RuleSet.defaults.applying(changes: ["minBidders": .string("3")])) { e in
            XCTAssertEqual(e as? RuleError, .wrongType("minBidders"))
        }
        XCTAssertThrowsError(try RuleSet.defaults.applying(changes: ["timeZone": .integer(8)])) { e in
            XCTAssertEqual(e as? RuleError, .wrongType("timeZone"))
        }
        XCTAssertThrowsError(try RuleSet.defaults.applying(changes: ["intermediaryEconomicCodes": .string("30227")])) { e in
            XCTAssertEqual(e as? RuleError, .wrongType("intermediaryEconomicCodes"))
        }
    }

    /// Boundary values for every integer kind: the bound is accepted, one past it is rejected.
    func testIntegerBoundaries() throws {
        let cases: [(String, Int64, Int64)] = [
            ("minBiddingWindowSeconds", 1, RuleKind.maxSeconds),
            ("shortWindowSeconds", 1, RuleKind.maxSeconds),
            ("contractDeadlineDays", 0, RuleKind.maxDays),
            ("splitWindowDays", 0, RuleKind.maxDays),
            ("minBidders", 1, 20),
            ("priceAtCapPermille", 0, 1000),
            ("directSharePermille", 0, 1000),
            ("offPlatformMinFen", 0, Money.maxFen),
            ("directSelectionMaxFen", 0, Money.maxFen),
            ("creditSuspendBelow", 0, 100),
            ("concentrationMinAwards", 1, 10_000),
            ("failedAuthPerMinute", 1, 1_000_000),
        ]
        for (name, low, high) in cases {
            XCTAssertEqual(try RuleSet.defaults.applying(changes: [name: .integer(low)]).value(of: name), .integer(low), name)
            XCTAssertEqual(try RuleSet.defaults.applying(changes: [name: .integer(high)]).value(of: name), .integer(high), name)
            for bad in [low - 1, high + 1] {
                XCTAssertThrowsError(try RuleSet.defaults.applying(changes: [name: .integer(bad)]), "\(name)=\(bad)") { e in
                    guard case .outOfRange(let n, let message)? = e as? RuleError else { return XCTFail("\(e)") }
                    XCTAssertEqual(n, name)
                    XCTAssertFalse(message.isEmpty)
                }
            }
        }
    }

    func testEconomicCodeList() throws {
        XCTAssertEqual(try RuleSet.defaults.applying(changes: ["intermediaryEconomicCodes": .stringList([])]).intermediaryEconomicCodes, [])
        for bad in [["3022"], ["30227", "abcde"], ["30227", "30227"], (0..<101).map { String(30000 + $0) }] {
            XCTAssertThrowsError(try RuleSet.defaults.applying(changes: ["intermediaryEconomicCodes": .stringList(bad)])) { e in
                XCTAssertEqual((e as? RuleError)?.reason, "out_of_range")
            }
        }
    }

    func testTimeZone() throws {
        XCTAssertEqual(try RuleSet.defaults.applying(changes: ["timeZone": .string("Europe/Berlin")]).timeZone, "Europe/Berlin")
        for bad in ["", "Mars/Olympus", "asia/shanghai_x", "+08:00"] {
            XCTAssertThrowsError(try RuleSet.defaults.applying(changes: ["timeZone": .string(bad)]), bad)
        }
    }

    func testApplyingIsAllOrNothingAndReportsFirstNameInByteOrder() {
        let original = RuleSet.defaults
        XCTAssertThrowsError(try original.applying(changes: [
            "minBidders": .integer(5), "zzz": .integer(1), "concentrationPermille": .integer(2000),
        ])) { e in
            XCTAssertEqual(e as? RuleError, .outOfRange("concentrationPermille", "must be an integer from 0 to 1000"))
        }
        XCTAssertEqual(original.minBidders, 3)
    }
}
