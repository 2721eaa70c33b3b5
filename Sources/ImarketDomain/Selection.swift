/// Winner selection at closing and after an upheld objection or a declined award (API.md
/// section 8). Pure: the caller supplies the valid bids, the rules and SHA-256.
///
/// - Fewer than `minBidders` valid bids (for `direct`: no bid from the named agency) → failed,
///   `insufficient_bids`.
/// - `random`: a draw among all valid bids — always recorded, even with a single candidate, because
///   the method itself is the draw and the record lets anyone check it.
/// - `lowest_price`: the lowest price wins; ties are drawn among the tied bids (no draw when one
///   bid is strictly lowest).
/// - `composite`: highest total score wins; ties drawn among the tied bids.
/// - `direct`: the named agency's bid wins, no draw.
///
/// Ranking: the winner first, then the others in the method's order — price ascending for
/// `lowest_price`; total descending, then price ascending for `composite`; for `random` and
/// `direct` by bid ID — with bid ID (UTF-8 byte order) as the final tie-breaker. Ranks are
/// distinct, 1…n, in that order.
///
/// Reselection uses the same function over the remaining valid bids with the same secret: a new
/// draw then runs over the reduced candidate list, and composite price scores are recomputed
/// against the new lowest price.
public enum Selection {
    /// Decides what closing does with an `open` demand, before any score exists.
    public static func closingDecision(_ input: SelectionInput) -> ClosingDecision {
        guard hasEnoughBids(input) else { return .fail(reason: SelectionOutcome.insufficientBids) }
        return input.method == .composite ? .evaluate : .select
    }

    /// True iff there are enough valid bids to select a winner.
    public static func hasEnoughBids(_ input: SelectionInput) -> Bool {
        if input.method == .direct {
            return input.bids.contains { $0.agencyId == input.directAgencyId }
        }
        return !input.bids.isEmpty && input.bids.count >= input.minBidders
    }

    /// Selects the winner. Throws only for inconsistent input (see `SelectionError`).
    public static func select(_ input: SelectionInput, sha256: ([UInt8]) -> [UInt8]) throws(SelectionError) -> SelectionOutcome {
        try check(input)
        guard hasEnoughBids(input) else { return .failed(reason: SelectionOutcome.insufficientBids) }
        let byId = input.bids.sorted { precedes($0.bidId, $1.bidId) }

        func drawAmong(_ bids: [SelectionBid]) -> DrawResult {
            Draw.draw(secret: input.drawSecret, demandId: input.demandId,
                      candidateBidIds: bids.map(\.bidId), sha256: sha256)
        }

        switch input.method {
        case .random:
            let draw = drawAmong(byId)
            return outcome(winner: draw.bidId, ordered: byId, scores: [:], draw: draw)

        case .direct:
            guard let win = byId.first(where: { $0.agencyId == input.directAgencyId }) else {
                return .failed(reason: SelectionOutcome.insufficientBids)
            }
            return outcome(winner: win.bidId, ordered: byId, scores: [:], draw: nil)

        case .lowestPrice:
            let ordered = byId.sorted {
                $0.priceFen != $1.priceFen ? $0.priceFen < $1.priceFen : precedes($0.bidId, $1.bidId)
            }
            let tied = ordered.filter { $0.priceFen == ordered[0].priceFen }
            let draw = tied.count > 1 ? drawAmong(tied) : nil
            return outcome(winner: draw?.bidId ?? tied[0].bidId, ordered: ordered, scores: [:], draw: draw)

        case .composite:
            guard let weights = input.weights else { throw .missingWeights }
            let lowest = byId.map(\.priceFen).min()!
            var scores: [String: (price: Hundredths, total: Hundredths)] = [:]
            for bid in byId {
                let price = CompositeScoring.priceScore(priceFen: bid.priceFen, lowestFen: lowest)
                let total = CompositeScoring.totalScore(priceScore: price, qualityScore: bid.qualityScore!, weights: weights)
                scores[bid.bidId] = (price, total)
            }
            let ordered = byId.sorted {
                let a = scores[$0.bidId]!.total, b = scores[$1.bidId]!.total
                if a != b { return a > b }
                return $0.priceFen != $1.priceFen ? $0.priceFen < $1.priceFen : precedes($0.bidId, $1.bidId)
            }
            let best = scores[ordered[0].bidId]!.total
            let tied = ordered.filter { scores[$0.bidId]!.total == best }
            let draw = tied.count > 1 ? drawAmong(tied) : nil
            return outcome(winner: draw?.bidId ?? tied[0].bidId, ordered: ordered, scores: scores, draw: draw)
        }
    }

    /// UTF-8 byte order, the same order the draw sorts candidates in. Explicit tie-breakers are
    /// used everywhere because the standard library does not promise a stable sort.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Validates the input's consistency.
    static func check(_ input: SelectionInput) throws(SelectionError) {
        var seen = Set<String>()
        for bid in input.bids {
            guard seen.insert(bid.bidId).inserted else { throw .duplicateBidId(bid.bidId) }
            guard Money.isValid(bid.priceFen) else { throw .priceOutOfRange(bidId: bid.bidId) }
            if input.method == .composite {
                guard let q = bid.qualityScore else { throw .missingQualityScore(bidId: bid.bidId) }
                guard (0...100).contains(q) else { throw .qualityScoreOutOfRange(bidId: bid.bidId) }
            }
        }
        if input.method == .composite, input.weights == nil { throw .missingWeights }
        if input.method == .direct, input.directAgencyId == nil { throw .missingDirectAgency }
    }

    /// Builds the outcome: `winner` first, the rest in `ordered` order, ranks 1…n.
    static func outcome(winner: String, ordered: [SelectionBid],
                        scores: [String: (price: Hundredths, total: Hundredths)],
                        draw: DrawResult?) -> SelectionOutcome {
        let rows = ordered.filter { $0.bidId == winner } + ordered.filter { $0.bidId != winner }
        let ranking = rows.enumerated().map { i, bid in
            RankedBid(bidId: bid.bidId, agencyId: bid.agencyId, priceFen: bid.priceFen,
                      priceScore: scores[bid.bidId]?.price, totalScore: scores[bid.bidId]?.total, rank: i + 1)
        }
        return .winner(bidId: winner, ranking: ranking, draw: draw)
    }
}
