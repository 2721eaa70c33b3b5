import XCTest
@testable import ImarketDomain

/// Known answers below were computed in a shell with `printf '%s' INPUT | sha256sum` (and Python's
/// hashlib for the index), independently of this code.
final class DrawTests: XCTestCase {
    static let secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    let sha = TestSHA256.hash

    func testTestSHA256MatchesFIPSVectors() {
        XCTAssertEqual(TestSHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(TestSHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(TestSHA256.hex(String(repeating: "a", count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        XCTAssertEqual(TestSHA256.hex("é" + String(repeating: "x", count: 70)),
                       "1a39050bb3b34e992e86a052d0595559e6209dc36ba619b0302c22b9d463e913")
    }

    func testCommitmentIsHexOfHashOfSecret() {
        let expected = "a8ae6e6ee929abea3afcfc5258c8ccd6f85273e0d4626d26c7279f3250f77c8e"
        XCTAssertEqual(Draw.commitment(secret: Self.secret, sha256Hex: TestSHA256.hex), expected)
        XCTAssertEqual(Draw.commitment(secret: Self.secret, sha256Hex: { TestSHA256.hex($0).uppercased() }), expected)
        XCTAssertEqual(Draw.commitment(secret: Self.secret, sha256: sha), expected)
    }

    func testKnownAnswerThreeCandidates() {
        let r = Draw.draw(secret: Self.secret, demandId: "D-1", candidateBidIds: ["b3", "b1", "b2"], sha256: sha)
        XCTAssertEqual(r.candidates, ["b1", "b2", "b3"])
        XCTAssertEqual(r.seed, "46d2e063d63a8744c3b7eb29124bb2d93c5ba184098f416cac74c4ec09ddeda0")
        XCTAssertEqual(r.index, 1)
        XCTAssertEqual(r.bidId, "b2")
        XCTAssertEqual(r.secret, Self.secret)
        XCTAssertEqual(r.commitment, "a8ae6e6ee929abea3afcfc5258c8ccd6f85273e0d4626d26c7279f3250f77c8e")
    }

    func testKnownAnswerFiveCandidatesDifferentDemands() {
        let bids = ["b5", "b1", "b4", "b2", "b3"]
        let r7 = Draw.draw(secret: Self.secret, demandId: "D-7", candidateBidIds: bids, sha256: sha)
        XCTAssertEqual(r7.seed, "c56069695b171f7da7f3bcbc876702b56e3c855b1a573388e78c57e204ece8aa")
        XCTAssertEqual(r7.index, 3)
        XCTAssertEqual(r7.bidId, "b4")
        let r8 = Draw.draw(secret: Self.secret, demandId: "D-8", candidateBidIds: bids, sha256: sha)
        XCTAssertEqual(r8.seed, "673121d1d486fd1a8778f3695f694082d6111b5f20ab2409d7fbf65eeed1d8bb")
        XCTAssertEqual(r8.index, 4)
        XCTAssertEqual(r8.bidId, "b5")
    }

    func testKnownAnswerFourCandidates() {
        let r = Draw.draw(secret: Self.secret, demandId: "demand-42", candidateBidIds: ["x", "y", "z", "w"], sha256: sha)
        XCTAssertEqual(r.candidates, ["w", "x", "y", "z"])
        XCTAssertEqual(r.seed, "6ffaafbd74f9b08f890371a63ca2279371a12f72f399b991f56474557911dbff")
        XCTAssertEqual(r.index, 3)
        XCTAssertEqual(r.bidId, "z")
    }

    func testSingleCandidateAlwaysWins() {
        let r = Draw.draw(secret: Self.secret, demandId: "D-1", candidateBidIds: ["b1"], sha256: sha)
        XCTAssertEqual(r.seed, "5e442fa4f6df3b17ed18f39bf7a7479073e9da907d6a7ea158f00c21ad856271")
        XCTAssertEqual(r.index, 0)
        XCTAssertEqual(r.bidId, "b1")
    }

    func testCandidatesSortByUTF8BytesNotNumerically() {
        XCTAssertEqual(Draw.sortedCandidates(["bid-9", "bid-10", "bid-2"]), ["bid-10", "bid-2", "bid-9"])
        XCTAssertEqual(Draw.sortedCandidates(["b", "a", "B"]), ["B", "a", "b"])
        // U+00E9 (C3 A9) sorts after "z" (7A) by bytes.
        XCTAssertEqual(Draw.sortedCandidates(["é", "z"]), ["z", "é"])
        let r = Draw.draw(secret: Self.secret, demandId: "D-1", candidateBidIds: ["bid-2", "bid-9", "bid-10"], sha256: sha)
        XCTAssertEqual(r.seed, "dba57862ee672ecb7132c78670de45c53a5b703c941abc204425d520272a48f6")
        XCTAssertEqual(r.bidId, "bid-2")
        let r2 = Draw.draw(secret: Self.secret, demandId: "D-1", candidateBidIds: ["b", "B", "a"], sha256: sha)
        XCTAssertEqual(r2.seed, "eed54cb6be66d913a996e23fba45c8a693585a5e807dd4d73e8bc12f2ec8a557")
        XCTAssertEqual(r2.bidId, "a")
    }

    func testSeedInputFormat() {
        XCTAssertEqual(Draw.seedInput(secret: "s", demandId: "d", candidates: ["a", "b"]), "s:d:a,b")
    }

    func testInputOrderDoesNotMatter() {
        let a = Draw.draw(secret: Self.secret, demandId: "D-7", candidateBidIds: ["b1", "b2", "b3", "b4", "b5"], sha256: sha)
        let b = Draw.draw(secret: Self.secret, demandId: "D-7", candidateBidIds: ["b3", "b5", "b2", "b1", "b4"], sha256: sha)
        XCTAssertEqual(a, b)
    }

    func testVerifyAcceptsGenuineAndRejectsTamperedResults() {
        let r = Draw.draw(secret: Self.secret, demandId: "D-7", candidateBidIds: ["b1", "b2", "b3", "b4", "b5"], sha256: sha)
        XCTAssertTrue(Draw.verify(r, demandId: "D-7", sha256: sha))
        XCTAssertFalse(Draw.verify(r, demandId: "D-8", sha256: sha))
        let forged = DrawResult(commitment: r.commitment, secret: r.secret, candidates: r.candidates,
                                seed: r.seed, index: 0, bidId: "b1")
        XCTAssertFalse(Draw.verify(forged, demandId: "D-7", sha256: sha))
        let unsorted = DrawResult(commitment: r.commitment, secret: r.secret, candidates: r.candidates.reversed(),
                                  seed: r.seed, index: r.index, bidId: r.bidId)
        XCTAssertFalse(Draw.verify(unsorted, demandId: "D-7", sha256: sha))
    }

    func testSecretFormat() {
        XCTAssertTrue(Draw.isValidSecret(Self.secret))
        XCTAssertFalse(Draw.isValidSecret(Self.secret.uppercased()))
        XCTAssertFalse(Draw.isValidSecret(String(Self.secret.dropLast())))
        XCTAssertFalse(Draw.isValidSecret(String(Self.secret.dropLast()) + "g"))
    }

    func testBigEndianPrefix() {
        XCTAssertEqual(Draw.bigEndianPrefix([0, 0, 0, 0, 0, 0, 1, 2, 0xff]), 258)
        XCTAssertEqual(Draw.bigEndianPrefix([0xff, 0, 0, 0, 0, 0, 0, 0]), 0xff00_0000_0000_0000)
    }

    func testHexRoundTrip() {
        XCTAssertEqual(Hex.encode([0, 1, 0xab, 0xff]), "0001abff")
        XCTAssertEqual(Hex.decode("0001ABff"), [0, 1, 0xab, 0xff])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }
}
