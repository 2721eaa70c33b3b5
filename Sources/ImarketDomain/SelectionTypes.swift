/// Inputs and outputs of `Selection` (API.md section 8).

/// How a demand's winner is chosen (the `selectionMethod` field).
public enum SelectionMethod: String, Hashable, Sendable, CaseIterable {
    case random
    case lowestPrice = "lowest_price"
    case composite
    case direct

    /// `random`, `lowest_price` and `composite` are *competitive* (API.md section 10); compliance
    /// rules such as SINGLE_BID and PRICE_AT_CAP only look at those.
    public var isCompetitive: Bool { self != .direct }
}

/// Composite weights `{price, quality}`: integers 0–100 summing to 100.
public struct CompositeWeights: Hashable, Sendable {
    public let price: Int
    public let quality: Int

    /// Fails unless both are in 0…100 and they sum to 100.
    public init?(price: Int, quality: Int) {
        guard CompositeWeights.validate(price: price, quality: quality) else { return nil }
        self.price = price
        self.quality = quality
    }

    public static func validate(price: Int, quality: Int) -> Bool {
        (0...100).contains(price) && (0...100).contains(quality) && price + quality == 100
    }
}

/// One valid bid as selection sees it. The caller has already filtered to the *valid* bids
/// (`submitted`, agency still approved and qualified, not disqualified).
public struct SelectionBid: Hashable, Sendable {
    public let bidId: String
    public let agencyId: String
    public let priceFen: Int64
    /// The purchaser's 0–100 quality score; required for every bid of a composite selection.
    public let qualityScore: Int?

    public init(bidId: String, agencyId: String, priceFen: Int64, qualityScore: Int? = nil) {
        self.bidId = bidId
        self.agencyId = agencyId
        self.priceFen = priceFen
        self.qualityScore = qualityScore
    }
}

/// Everything selection needs about a demand.
public struct SelectionInput: Sendable {
    public let method: SelectionMethod
    public let bids: [SelectionBid]
    /// Required for `composite`.
    public let weights: CompositeWeights?
    /// Required for `direct`.
    public let directAgencyId: String?
    /// The rule `minBidders`; ignored for `direct`, which needs exactly the named agency's bid.
    public let minBidders: Int
    public let drawSecret: String
    public let demandId: String

    public init(method: SelectionMethod, bids: [SelectionBid], weights: CompositeWeights? = nil,
                directAgencyId: String? = nil, minBidders: Int, drawSecret: String, demandId: String) {
        self.method = method
        self.bids = bids
        self.weights = weights
        self.directAgencyId = directAgencyId
        self.minBidders = minBidders
        self.drawSecret = drawSecret
        self.demandId = demandId
    }
}

/// One row of the award's `ranking`.
public struct RankedBid: Hashable, Sendable {
    public let bidId: String
    public let agencyId: String
    public let priceFen: Int64
    /// Composite only (nil otherwise, published as JSON null): the rounded price score.
    public let priceScore: Hundredths?
    /// Composite only (nil otherwise, published as JSON null): the rounded total score.
    public let totalScore: Hundredths?
    /// 1 for the winner, then 2, 3, … — distinct even for equal scores, because the order among
    /// tied bids is itself decided (by the draw for the first place, by bid ID below it).
    public let rank: Int

    public init(bidId: String, agencyId: String, priceFen: Int64, priceScore: Hundredths?,
                totalScore: Hundredths?, rank: Int) {
        self.bidId = bidId
        self.agencyId = agencyId
        self.priceFen = priceFen
        self.priceScore = priceScore
        self.totalScore = totalScore
        self.rank = rank
    }
}

/// The result of a selection.
public enum SelectionOutcome: Hashable, Sendable {
    /// No winner; `reason` is the demand's `failureReason` (`insufficient_bids`).
    case failed(reason: String)
    /// `bidId` wins; `draw` is nil when no draw was needed.
    case winner(bidId: String, ranking: [RankedBid], draw: DrawResult?)

    /// The failure reason for too few valid bids, fixed by the contract.
    public static let insufficientBids = "insufficient_bids"
}

/// What happens to an `open` demand at `biddingClosesAt`.
public enum ClosingDecision: Hashable, Sendable {
    /// → `failed` with this `failureReason`.
    case fail(reason: String)
    /// → `evaluating`: composite, waiting for `selection.score`.
    case evaluate
    /// → run `Selection.select` now; the demand goes to `publicity`.
    case select
}

/// Inputs selection cannot work with. These are caller bugs or inconsistent data (the API layer
/// validates weights, scores and the direct agency before they get here), not business outcomes.
public enum SelectionError: Error, Hashable, Sendable {
    case missingWeights
    case missingDirectAgency
    case missingQualityScore(bidId: String)
    case qualityScoreOutOfRange(bidId: String)
    case priceOutOfRange(bidId: String)
    case duplicateBidId(String)
}
