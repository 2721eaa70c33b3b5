import XCTest
@testable import ImarketDomain

/// Expected draw winners were computed independently with Python's hashlib (see DrawTests for
/// the method); they check that selection draws among the right candidates.
final class SelectionTests: XCTestCase {
    let secret = DrawTests.secret
    let sha = TestSHA256.hash

    func bid(_ id: String, _ price: Int64, q: Int? = nil, agency: String? = nil) -> SelectionBid {
        SelectionBid(bidId: id, agencyId: agency ?? "a-" + id, priceFen: price, qualityScore: q)
    }

    func input(_ method: SelectionMethod, _ bids: [SelectionBid], demand: String = "D-100", min: Int = 3,
               weights: CompositeWeights? = nil, direct: String? = nil) -> SelectionInput {
        SelectionInput(method: method, bids: bids, weights: weights, directAgencyId: direct,
                       minBidders: min, drawSecret: secret, demandId: demand)
    }

    func winner(_ o: SelectionOutcome, file: StaticString = #filePath, line: UInt = #line)
        -> (bidId: String, ranking: [RankedBid], draw: DrawResult?)? {
        guard case let .winner(id, ranking, draw) = o else { XCTFail("expected a winner, got \(o)", file: file, line: line); return nil }
        return (id, ranking, draw)
    }

    // MARK: insufficient bids

    func testTooFewBidsFail() throws {
        let bids = [bid("b1", 100), bid("b2", 200)]
        for m in [SelectionMethod.random, .lowestPrice] {
            XCTAssertEqual(try Selection.select(input(m, bids), sha256: sha), .failed(reason: "insufficient_bids"))
            XCTAssertEqual(Selection.closingDecision(input(m, bids)), .fail(reason: "insufficient_bids"))
        }
        XCTAssertEqual(try Selection.select(input(.random, [], min: 1), sha256: sha), .failed(reason: "insufficient_bids"))
        XCTAssertEqual(try Selection.select(input(.random, [], min: 0), sha256: sha), .failed(reason: "insufficient_bids"),
                       "no bids never yields a winner, whatever minBidders says")
    }

    func testExactlyMinBiddersIsEnough() throws {
        let bids = [bid("b1", 300), bid("b2", 200), bid("b3", 100)]
        XCTAssertEqual(winner(try Selection.select(input(.lowestPrice, bids), sha256: sha))?.bidId, "b3")
        XCTAssertEqual(Selection.closingDecision(input(.lowestPrice, bids)), .select)
        XCTAssertEqual(Selection.closingDecision(input(.random, bids)), .select)
    }

    func testCompositeWithEnoughBidsEvaluatesFirst() {
        let bids = [bid("b1", 300), bid("b2", 200), bid("b3", 100)]
        XCTAssertEqual(Selection.closingDecision(input(.composite, bids, weights: CompositeWeights(price: 60, quality: 40))), .evaluate)
        XCTAssertEqual(Selection.closingDecision(input(.composite, Array(bids.prefix(2)), weights: CompositeWeights(price: 60, quality: 40))),
                       .fail(reason: "insufficient_bids"))
    }

    // MARK: random

    func testRandomDrawsAmongAllBids() throws {
        let bids = [bid("b3", 300), bid("b1", 100), bid("b4", 400), bid("b2", 200)]
        let w = try XCTUnwrap(winner(try Selection.select(input(.random, bids), sha256: sha)))
        XCTAssertEqual(w.bidId, "b4")
        XCTAssertEqual(w.draw?.candidates, ["b1", "b2", "b3", "b4"])
        XCTAssertEqual(w.draw?.seed, "8dbd0e2f09f7012f1878eaa88dffd6d792e7b71a0fb73c28f20588f040ac7cb5")
        XCTAssertEqual(w.draw?.index, 3)
        XCTAssertEqual(w.ranking.map(\.bidId), ["b4", "b1", "b2", "b3"], "winner, then by bid ID")
        XCTAssertEqual(w.ranking.map(\.rank), [1, 2, 3, 4])
        XCTAssertTrue(w.ranking.allSatisfy { $0.totalScore == nil && $0.priceScore == nil })
    }

    func testRandomReselectionDrawsOverReducedListWithSameSecret() throws {
        // After b4 is disqualified, the draw runs again over b1, b2, b3.
        let bids = [bid("b3", 300), bid("b1", 100), bid("b2", 200)]
        let w = try XCTUnwrap(winner(try Selection.select(input(.random, bids), sha256: sha)))
        XCTAssertEqual(w.draw?.seed, "dc57e50f92a1f0f03da75308a8cee05018c2eed77da82c74dc0f11a6d4f34c4f")
        XCTAssertEqual(w.bidId, "b1")
    }

    func testRandomWithSingleBidStillRecordsTheDraw() throws {
        let w = try XCTUnwrap(winner(try Selection.select(input(.random, [bid("b1", 5)], min: 1), sha256: sha)))
        XCTAssertEqual(w.bidId, "b1")
        XCTAssertEqual(w.draw?.candidates, ["b1"])
        XCTAssertEqual(w.draw?.seed, "0a5e1e6d298f76b3ae5ef4e88c9dae37d3f8f3b0be05c6f94345bcc4b141ec4d")
    }

    // MARK: lowest price

    func testLowestPriceWinsWithoutDraw() throws {
        let bids = [bid("b1", 300), bid("b2", 100), bid("b3", 200), bid("b4", 300)]
        let w = try XCTUnwrap(winner(try Selection.select(input(.lowestPrice, bids), sha256: sha)))
        XCTAssertEqual(w.bidId, "b2")
        XCTAssertNil(w.draw)
        XCTAssertEqual(w.ranking.map(\.bidId), ["b2", "b3", "b1", "b4"], "price ascending, ties by bid ID")
        XCTAssertEqual(w.ranking.map(\.rank), [1, 2, 3, 4])
        XCTAssertEqual(w.ranking.map(\.priceFen), [100, 200, 300, 300])
    }

    func testLowestPriceTieIsDrawnAmongTiedOnly() throws {
        let bids = [bid("b1", 100), bid("b2", 100), bid("b3", 200)]
        let w = try XCTUnwrap(winner(try Selection.select(input(.lowestPrice, bids, demand: "D-105"), sha256: sha)))
        XCTAssertEqual(w.draw?.candidates, ["b1", "b2"])
        XCTAssertEqual(w.draw?.seed, "277462b78bdcd93f378d8305349f2d7d83807a9afad8515985c829e96ef1f759")
        XCTAssertEqual(w.bidId, "b2", "the draw, not the bid ID order, decides")
        XCTAssertEqual(w.ranking.map(\.bidId), ["b2", "b1", "b3"])
        // Same bids, another demand: the draw picks b1 there.
        let w2 = try XCTUnwrap(winner(try Selection.select(input(.lowestPrice, bids, demand: "D-100"), sha256: sha)))
        XCTAssertEqual(w2.bidId, "b1")
        XCTAssertEqual(w2.draw?.seed, "d8ea8b4f8b199d302a4a52db115a2f3fbe124e1f8e58b287aaf95fb18f1058f7")
    }

    // MARK: composite

    func testCompositeScoresAndRounding() throws {
        let weights = try XCTUnwrap(CompositeWeights(price: 60, quality: 40))
        let bids = [bid("b1", 30000, q: 80), bid("b2", 45000, q: 90), bid("b3", 40000, q: 100)]
        let w = try XCTUnwrap(winner(try Selection.select(input(.composite, bids, weights: weights), sha256: sha)))
        // b1: ps 100.00, total (60×100 + 40×80)/100 = 92.00
        // b2: ps 10000×30000/45000 = 6666.67 → 66.67; total (60×6667 + 40×9000)/100 = 7600.2 → 76.00
        // b3: ps 10000×30000/40000 = 75.00; total (60×7500 + 40×10000)/100 = 85.00
        XCTAssertEqual(w.bidId, "b1")
        XCTAssertNil(w.draw)
        XCTAssertEqual(w.ranking.map(\.bidId), ["b1", "b3", "b2"])
        XCTAssertEqual(w.ranking.map { $0.priceScore?.description }, ["100.00", "75.00", "66.67"])
        XCTAssertEqual(w.ranking.map { $0.totalScore?.description }, ["92.00", "85.00", "76.00"])
    }

    func testCompositeQualityCanBeatPrice() throws {
        let weights = try XCTUnwrap(CompositeWeights(price: 30, quality: 70))
        let bids = [bid("b1", 30000, q: 50), bid("b2", 45000, q: 95), bid("b3", 60000, q: 60)]
        let w = try XCTUnwrap(winner(try Selection.select(input(.composite, bids, weights: weights), sha256: sha)))
        // b1: 30×100 + 70×50 = 65.00; b2: (30×6667 + 70×9500)/100 = 8650.1 → 86.50; b3: 30×50 + 70×60 = 57.00
        XCTAssertEqual(w.bidId, "b2")
        XCTAssertEqual(w.ranking.map { $0.totalScore?.value }, [8650, 6500, 5700])
    }

    func testPriceScoreHalfUp() {
        XCTAssertEqual(CompositeScoring.priceScore(priceFen: 45000, lowestFen: 30000).description, "66.67")
        XCTAssertEqual(CompositeScoring.priceScore(priceFen: 40000, lowestFen: 20002).description, "50.01", "5000.5 → 5001")
        XCTAssertEqual(CompositeScoring.priceScore(priceFen: 40000, lowestFen: 20001).description, "50.00", "5000.25 → 5000")
        XCTAssertEqual(CompositeScoring.priceScore(priceFen: 90000, lowestFen: 30000).description, "33.33")
        XCTAssertEqual(CompositeScoring.priceScore(priceFen: 4000, lowestFen: 1).description, "0.03", "2.5 hundredths → 3")
        XCTAssertEqual(CompositeScoring.priceScore(priceFen: Money.maxFen, lowestFen: Money.maxFen).description, "100.00")
        XCTAssertEqual(CompositeScoring.priceScore(priceFen: 0, lowestFen: 0).description, "100.00")
        XCTAssertEqual(CompositeScoring.priceScore(priceFen: 5, lowestFen: 0).description, "0.00")
    }

    func testTotalScoreHalfUpUsesRoundedPriceScore() throws {
        let w = try XCTUnwrap(CompositeWeights(price: 50, quality: 50))
        // (50 × 6667 + 50 × 7000) / 100 = 6833.5 → 6834 (68.34). With the unrounded price score
        // (66.666…) the total would be 68.33: the contract's "both rounded" order matters.
        XCTAssertEqual(CompositeScoring.totalScore(priceScore: Hundredths(6667), qualityScore: 70, weights: w).description, "68.34")
        XCTAssertEqual(CompositeScoring.totalScore(priceScore: Hundredths(10000), qualityScore: 100, weights: w).description, "100.00")
        XCTAssertEqual(CompositeScoring.totalScore(priceScore: Hundredths(0), qualityScore: 0, weights: w).description, "0.00")
        let p = try XCTUnwrap(CompositeWeights(price: 100, quality: 0))
        XCTAssertEqual(CompositeScoring.totalScore(priceScore: Hundredths(6667), qualityScore: 99, weights: p).description, "66.67")
    }

    func testCompositeTieIsDrawn() throws {
        let weights = try XCTUnwrap(CompositeWeights(price: 50, quality: 50))
        // b1: 100 + 80 → 90.00; b3: ps 80.00 + 100 → 90.00; b2: ps 50.00 + 100 → 75.00
        let bids = [bid("b1", 100, q: 80), bid("b2", 200, q: 100), bid("b3", 125, q: 100)]
        let w = try XCTUnwrap(winner(try Selection.select(input(.composite, bids, demand: "D-106", weights: weights), sha256: sha)))
        XCTAssertEqual(w.draw?.candidates, ["b1", "b3"])
        XCTAssertEqual(w.draw?.seed, "f7040fd5e3894e890e53754acf78409356faa7b1bba1151f9d9ecbcad79c6092")
        XCTAssertEqual(w.bidId, "b3")
        XCTAssertEqual(w.ranking.map(\.bidId), ["b3", "b1", "b2"])
        XCTAssertEqual(w.ranking.map { $0.totalScore?.value }, [9000, 9000, 7500])
        XCTAssertEqual(w.ranking.map(\.rank), [1, 2, 3], "distinct ranks even for equal totals")
    }

    func testCompositeReselectionRecomputesAgainstNewLowestPrice() throws {
        let weights = try XCTUnwrap(CompositeWeights(price: 60, quality: 40))
        // b1 (the former lowest, 30000) was disqualified; 40000 is now the lowest.
        let bids = [bid("b2", 45000, q: 90), bid("b3", 40000, q: 100), bid("b4", 50000, q: 100)]
        let w = try XCTUnwrap(winner(try Selection.select(input(.composite, bids, weights: weights), sha256: sha)))
        XCTAssertEqual(w.ranking.first { $0.bidId == "b3" }?.priceScore?.description, "100.00")
        XCTAssertEqual(w.ranking.first { $0.bidId == "b2" }?.priceScore?.description, "88.89")
        XCTAssertEqual(w.bidId, "b3")
    }

    func testCompositeInputErrors() throws {
        let weights = try XCTUnwrap(CompositeWeights(price: 50, quality: 50))
        let scored = [bid("b1", 100, q: 80), bid("b2", 200, q: 100), bid("b3", 125, q: 100)]
        XCTAssertThrowsError(try Selection.select(input(.composite, scored), sha256: sha)) {
            XCTAssertEqual($0 as? SelectionError, .missingWeights)
        }
        XCTAssertThrowsError(try Selection.select(input(.composite, scored.dropLast() + [bid("b3", 125)], weights: weights), sha256: sha)) {
            XCTAssertEqual($0 as? SelectionError, .missingQualityScore(bidId: "b3"))
        }
        XCTAssertThrowsError(try Selection.select(input(.composite, scored.dropLast() + [bid("b3", 125, q: 101)], weights: weights), sha256: sha)) {
            XCTAssertEqual($0 as? SelectionError, .qualityScoreOutOfRange(bidId: "b3"))
        }
        XCTAssertThrowsError(try Selection.select(input(.random, [bid("b1", 1), bid("b1", 2), bid("b2", 3)]), sha256: sha)) {
            XCTAssertEqual($0 as? SelectionError, .duplicateBidId("b1"))
        }
        XCTAssertThrowsError(try Selection.select(input(.random, [bid("b1", -1), bid("b2", 2), bid("b3", 3)]), sha256: sha)) {
            XCTAssertEqual($0 as? SelectionError, .priceOutOfRange(bidId: "b1"))
        }
    }

    func testCompositeWeightsValidation() {
        XCTAssertNotNil(CompositeWeights(price: 0, quality: 100))
        XCTAssertNotNil(CompositeWeights(price: 100, quality: 0))
        XCTAssertNil(CompositeWeights(price: 60, quality: 30))
        XCTAssertNil(CompositeWeights(price: 110, quality: -10))
    }

    // MARK: direct

    func testDirectPicksNamedAgencyWithOneBid() throws {
        let w = try XCTUnwrap(winner(try Selection.select(input(.direct, [bid("b9", 500, agency: "A1")], direct: "A1"), sha256: sha)))
        XCTAssertEqual(w.bidId, "b9")
        XCTAssertNil(w.draw)
        XCTAssertEqual(w.ranking, [RankedBid(bidId: "b9", agencyId: "A1", priceFen: 500, priceScore: nil, totalScore: nil, rank: 1)])
        XCTAssertEqual(Selection.closingDecision(input(.direct, [bid("b9", 500, agency: "A1")], direct: "A1")), .select)
    }

    func testDirectWithoutNamedAgencyBidFails() throws {
        XCTAssertEqual(try Selection.select(input(.direct, [], direct: "A1"), sha256: sha), .failed(reason: "insufficient_bids"))
        XCTAssertEqual(try Selection.select(input(.direct, [bid("b1", 5, agency: "A2")], direct: "A1"), sha256: sha),
                       .failed(reason: "insufficient_bids"))
        XCTAssertThrowsError(try Selection.select(input(.direct, [bid("b1", 5, agency: "A2")]), sha256: sha)) {
            XCTAssertEqual($0 as? SelectionError, .missingDirectAgency)
        }
    }

    func testCompetitiveMethods() {
        XCTAssertEqual(SelectionMethod.allCases.filter(\.isCompetitive), [.random, .lowestPrice, .composite])
        XCTAssertEqual(SelectionMethod(rawValue: "lowest_price"), .lowestPrice)
    }
}
