import XCTest
@testable import ImarketDomain

final class CreditScoreTests: XCTestCase {
    func score(_ sums: [Int], upheld: Int = 0, terminations: Int = 0, declined: Int = 0) -> String? {
        CreditScore.compute(evaluationScoreSums: sums, upheldObjections: upheld,
                            agencyFaultTerminations: terminations, declinedAwards: declined)?.description
    }

    func testNewAgencyScores80() {
        XCTAssertEqual(score([]), "80.00")
        XCTAssertEqual(CreditScore.newAgencyScore.description, "80.00")
    }

    func testOnePerfectEvaluation() {
        // (240 + 100) / 4 = 85
        XCTAssertEqual(score([25]), "85.00")
    }

    func testOneWorstEvaluation() {
        // (240 + 0) / 4 = 60
        XCTAssertEqual(score([5]), "60.00")
    }

    func testEvaluationPointsMatchTheMeanFormula() {
        for s in 5...25 {
            // (s/5 − 1)/4 × 100 computed in floating point for comparison.
            let viaMean = (Double(s) / 5 - 1) / 4 * 100
            XCTAssertEqual(Double(CreditScore.evaluationPoints(scoreSum: s)), viaMean, accuracy: 1e-9, "sum \(s)")
        }
    }

    func testWorkedExampleFromDocComment() {
        XCTAssertEqual(score([25, 19]), "82.00")
        XCTAssertEqual(score([25, 19], upheld: 1), "77.00")
        XCTAssertEqual(score([25, 19], upheld: 1, declined: 1), "67.00")
    }

    func testRoundsTwoThirdsUp() {
        XCTAssertEqual(score([5, 5, 7]), "41.67")       // 250 / 6 = 41.666…
        XCTAssertEqual(score([5, 5, 6]), "40.83")       // 245 / 6 = 40.8333…
    }

    func testExactHalfRoundsUp() {
        // n = 5: (240 + 5) / 8 = 30.625 → 30.63
        XCTAssertEqual(score([6, 5, 5, 5, 5]), "30.63")
        XCTAssertEqual(CreditScore.compute(evaluationScoreSums: [6, 5, 5, 5, 5], upheldObjections: 0,
                                           agencyFaultTerminations: 0, declinedAwards: 0)?.value, 3063)
    }

    func testPenalties() {
        XCTAssertEqual(score([], upheld: 2), "70.00")
        XCTAssertEqual(score([], terminations: 1), "70.00")
        XCTAssertEqual(score([], declined: 3), "50.00")
        XCTAssertEqual(score([25], upheld: 1, terminations: 1, declined: 1), "60.00")
    }

    func testClampedAtZeroAndHundred() {
        XCTAssertEqual(score([], terminations: 9), "0.00")
        XCTAssertEqual(score([5, 5], upheld: 100, terminations: 100, declined: 100), "0.00")
        // Clamping at the top only matters if the formula could exceed 100; it cannot (each
        // e_i ≤ 100 and the phantom terms are 80), so the upper clamp is exercised via the maximum.
        XCTAssertEqual(score(Array(repeating: 25, count: 3)), "90.00")
    }

    func testManyPerfectEvaluations() {
        // (240 + 100 × 1000) / 1003 = 100240 / 1003 = 99.940179… → 99.94
        XCTAssertEqual(score(Array(repeating: 25, count: 1000)), "99.94")
        XCTAssertLessThanOrEqual(CreditScore.compute(evaluationScoreSums: Array(repeating: 25, count: 100_000), upheldObjections: 0,
                                                     agencyFaultTerminations: 0, declinedAwards: 0)!, CreditScore.maximum)
    }

    func testCorruptInputIsRejected() {
        XCTAssertNil(score([4]))
        XCTAssertNil(score([26]))
        XCTAssertNil(score([], upheld: -1))
    }

    func testTypedEvaluations() throws {
        let perfect = try XCTUnwrap(PurchaserEvaluationScores(quality: 5, timeliness: 5, attitude: 5, fees: 5, compliance: 5))
        let mixed = try XCTUnwrap(PurchaserEvaluationScores(quality: 4, timeliness: 4, attitude: 4, fees: 4, compliance: 3))
        XCTAssertEqual(mixed.sum, 19)
        XCTAssertEqual(CreditScore.compute(evaluations: [perfect, mixed], upheldObjections: 0,
                                           agencyFaultTerminations: 0, declinedAwards: 0).description, "82.00")
        XCTAssertNil(PurchaserEvaluationScores(quality: 0, timeliness: 5, attitude: 5, fees: 5, compliance: 5))
        XCTAssertNil(PurchaserEvaluationScores(quality: 5, timeliness: 6, attitude: 5, fees: 5, compliance: 5))
    }

    func testCommentRequiredForLowScores() throws {
        XCTAssertFalse(try XCTUnwrap(PurchaserEvaluationScores(quality: 3, timeliness: 3, attitude: 3, fees: 3, compliance: 3)).requiresComment)
        XCTAssertTrue(try XCTUnwrap(PurchaserEvaluationScores(quality: 5, timeliness: 5, attitude: 2, fees: 5, compliance: 5)).requiresComment)
        XCTAssertTrue(try XCTUnwrap(AgencyEvaluationScores(paymentTimeliness: 1, cooperation: 5)).requiresComment)
        XCTAssertFalse(try XCTUnwrap(AgencyEvaluationScores(paymentTimeliness: 3, cooperation: 3)).requiresComment)
        XCTAssertNil(AgencyEvaluationScores(paymentTimeliness: 3, cooperation: 0))
    }

    func testShouldSuspend() {
        XCTAssertFalse(CreditScore.shouldSuspend(score: Hundredths(6000), creditSuspendBelow: 60), "60.00 is not below 60")
        XCTAssertTrue(CreditScore.shouldSuspend(score: Hundredths(5999), creditSuspendBelow: 60))
        XCTAssertFalse(CreditScore.shouldSuspend(score: Hundredths(0), creditSuspendBelow: 0))
        XCTAssertTrue(CreditScore.shouldSuspend(score: Hundredths(9999), creditSuspendBelow: 100))
    }

    func testPenaltyPoints() {
        XCTAssertEqual(CreditPenaltyKind.upheldObjection.points, 5)
        XCTAssertEqual(CreditPenaltyKind.agencyFaultTermination.points, 10)
        XCTAssertEqual(CreditPenaltyKind.declinedAward.points, 10)
    }

    func testHundredthsViews() {
        XCTAssertEqual(Hundredths(6667).description, "66.67")
        XCTAssertEqual(Hundredths(5).description, "0.05")
        XCTAssertEqual(Hundredths(-500).description, "-5.00")
        XCTAssertEqual(Hundredths(8500).doubleValue, 85.0)
        XCTAssertEqual(Hundredths.roundHalfUp(5, 2), 3)
        XCTAssertEqual(Hundredths.roundHalfUp(-5, 2), -3)
        XCTAssertEqual(Hundredths.roundHalfUp(7, 3), 2)
        XCTAssertEqual(Hundredths.roundHalfUp(8, 3), 3)
    }
}
