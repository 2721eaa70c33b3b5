import Foundation
import ImarketDomain
import ImarketJSONRPC

/// The Demand of API section 7 as one viewer may see it.
struct DemandView: Codable, Sendable {
    var demandId: String
    var purchaserId: String
    var purchaserName: String
    var title: String
    var serviceType: String
    var description: String
    var budgetFen: Int64
    @NullEncodable var minPriceFen: Int64?
    var fundSource: FundSource
    @NullEncodable var fiscalFen: Int64?
    var selectionMethod: SelectionMethodName
    @NullEncodable var directAgencyId: String?
    @NullEncodable var directReason: String?
    @NullEncodable var compositeWeights: WeightsInput?
    @NullEncodable var regionRestriction: String?
    var excludedAgencies: [ExcludedAgency]
    var servicePeriodDays: Int
    var biddingClosesAt: String
    var status: String
    var createdAt: String
    @NullEncodable var publishedAt: String?
    @NullEncodable var closedAt: String?
    @NullEncodable var failureReason: String?
    var revision: Int
    /// `[{revision, at, reason, changes}]`, oldest first.
    var amendments: JSONValue
    @NullEncodable var drawCommitment: String?
    /// Shown to the owner, admin and overseers while bids are sealed; public after closing
    /// (every bid is public then anyway); null otherwise.
    @NullEncodable var bidCount: Int?
    /// The award of API section 8, or null.
    var award: JSONValue

    init(_ d: DemandRecord, viewer: Viewer) {
        demandId = d.demandId
        purchaserId = d.purchaserId
        purchaserName = d.purchaserName
        title = d.input.title
        serviceType = d.input.serviceType
        description = d.input.description
        budgetFen = d.input.budgetFen
        minPriceFen = d.input.minPriceFen
        fundSource = d.input.fundSource
        fiscalFen = d.input.fiscalFen
        selectionMethod = d.input.selectionMethod
        directAgencyId = d.input.directAgencyId
        directReason = d.input.directReason
        compositeWeights = d.input.compositeWeights
        regionRestriction = d.input.regionRestriction
        excludedAgencies = d.input.excludedAgencies ?? []
        servicePeriodDays = d.input.servicePeriodDays
        biddingClosesAt = RFC3339.format(d.biddingClosesAt)
        status = d.status.rawValue
        createdAt = RFC3339.format(d.createdAt)
        publishedAt = d.publishedAt.map(RFC3339.format)
        closedAt = d.closedAt.map(RFC3339.format)
        failureReason = d.failureReason
        revision = d.revision
        amendments = d.amendments
        drawCommitment = d.drawCommitment
        bidCount = viewer.showsBidCount(of: d) ? d.bidCount : nil
        award = d.award
    }
}

/// Written member by member on every `demand.get` and for each demand of a search page; the
/// same bytes as the synthesized `Encodable` (`WrittenResultEncodingTests` compares them).
extension DemandView: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) throws {
        object.member("demandId", demandId)
        object.member("purchaserId", purchaserId)
        object.member("purchaserName", purchaserName)
        object.member("title", title)
        object.member("serviceType", serviceType)
        object.member("description", description)
        object.member("budgetFen", budgetFen)
        object.member("minPriceFen", minPriceFen)
        object.member("fundSource", fundSource.rawValue)
        object.member("fiscalFen", fiscalFen)
        object.member("selectionMethod", selectionMethod.rawValue)
        object.member("directAgencyId", directAgencyId)
        object.member("directReason", directReason)
        try object.member("compositeWeights", compositeWeights)
        object.member("regionRestriction", regionRestriction)
        try object.member("excludedAgencies", excludedAgencies)
        object.member("servicePeriodDays", servicePeriodDays)
        object.member("biddingClosesAt", biddingClosesAt)
        object.member("status", status)
        object.member("createdAt", createdAt)
        object.member("publishedAt", publishedAt)
        object.member("closedAt", closedAt)
        object.member("failureReason", failureReason)
        object.member("revision", revision)
        object.member("amendments", amendments)
        object.member("drawCommitment", drawCommitment)
        object.member("bidCount", bidCount)
        object.member("award", award)
    }
}

extension WeightsInput: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) throws {
        object.member("price", price)
        object.member("quality", quality)
    }
}

extension ExcludedAgency: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) throws {
        object.member("agencyId", agencyId)
        object.member("reason", reason)
    }
}
