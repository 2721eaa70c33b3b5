import Foundation
import ImarketDomain
import ImarketJSONRPC

enum FundSource: String, Codable, Sendable, CaseIterable {
    case fiscal, `self`, mixed
}

enum SelectionMethodName: String, Codable, Sendable, CaseIterable {
    case random
    case lowestPrice = "lowest_price"
    case composite
    case direct

    var domain: SelectionMethod { SelectionMethod(rawValue: rawValue)! }
}

struct WeightsInput: Codable, Sendable, Equatable {
    var price: Int
    var quality: Int
}

struct ExcludedAgency: Codable, Sendable, Equatable {
    var agencyId: String
    var reason: String

    init(agencyId: String, reason: String) {
        self.agencyId = agencyId
        self.reason = reason
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        agencyId = try c.decode(String.self, forKey: .agencyId)
        reason = try c.decode(String.self, forKey: .reason)
        try decoder.require(!reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                            "missing_field", "an exclusion needs a reason", field: "reason")
    }
}

/// The DemandInput of API section 7. Value rules that need no database are checked by
/// `checkValues`; `DemandValidation` adds the catalog, agency and rule checks.
struct DemandInput: Codable, Sendable, Equatable {
    var title: String
    var serviceType: String
    var description: String
    var budgetFen: Int64
    var minPriceFen: Int64?
    var fundSource: FundSource
    var fiscalFen: Int64?
    var selectionMethod: SelectionMethodName
    var directAgencyId: String?
    var directReason: String?
    var compositeWeights: WeightsInput?
    var regionRestriction: String?
    var excludedAgencies: [ExcludedAgency]?
    var servicePeriodDays: Int
    var biddingClosesAt: String

    /// The rules that hold for any demand, in the order a client fixing one field at a time meets them.
    func checkValues() throws {
        func bad(_ reason: String, _ field: String, _ message: String) -> RPCError {
            .invalidParams(reason: reason, field: field, message: message)
        }
        guard (1...200).contains(title.count) else { throw bad("out_of_range", "title", "title must be 1–200 characters") }
        guard description.count <= 20_000 else { throw bad("out_of_range", "description", "description is too long") }
        guard budgetFen > 0, budgetFen <= Money.maxFen else { throw bad("out_of_range", "budgetFen", "budgetFen must be 1…10^13") }
        if let minPriceFen {
            guard minPriceFen >= 0, minPriceFen < budgetFen else {
                throw bad("out_of_range", "minPriceFen", "minPriceFen must be at least 0 and below budgetFen")
            }
        }
        switch fundSource {
        case .mixed:
            guard let fiscalFen else { throw bad("missing_field", "fiscalFen", "fiscalFen is required for mixed funding") }
            guard fiscalFen > 0, fiscalFen < budgetFen else {
                throw bad("out_of_range", "fiscalFen", "fiscalFen must be above 0 and below budgetFen")
            }
        case .fiscal, .self:
            guard fiscalFen == nil else { throw bad("not_allowed", "fiscalFen", "fiscalFen is only for mixed funding") }
        }
        if selectionMethod == .direct {
            guard let id = directAgencyId, !id.isEmpty else {
                throw bad("missing_field", "directAgencyId", "directAgencyId is required for direct selection")
            }
        } else {
            guard directAgencyId == nil else { throw bad("not_allowed", "directAgencyId", "directAgencyId is only for direct selection") }
            guard directReason == nil else { throw bad("not_allowed", "directReason", "directReason is only for direct selection") }
        }
        if selectionMethod == .composite {
            guard let w = compositeWeights else {
                throw bad("missing_field", "compositeWeights", "compositeWeights is required for composite selection")
            }
            guard CompositeWeights.validate(price: w.price, quality: w.quality) else {
                throw bad("invalid_weights", "compositeWeights", "weights must be integers 0–100 summing to 100")
            }
        } else if compositeWeights != nil {
            throw bad("not_allowed", "compositeWeights", "compositeWeights is only for composite selection")
        }
        if let prefix = regionRestriction, !RegionCode.validatePrefix(prefix) || prefix.isEmpty {
            throw bad("invalid_region", "regionRestriction", "regionRestriction must be a prefix of a 6-digit region code")
        }
        var seen = Set<String>()
        for (i, excluded) in (excludedAgencies ?? []).enumerated() where !seen.insert(excluded.agencyId).inserted {
            throw bad("duplicate", "excludedAgencies[\(i)].agencyId", "an agency is excluded twice")
        }
        guard (1...3650).contains(servicePeriodDays) else {
            throw bad("out_of_range", "servicePeriodDays", "servicePeriodDays must be 1–3650")
        }
        guard RFC3339.parse(biddingClosesAt) != nil else {
            throw bad("invalid_timestamp", "biddingClosesAt", "biddingClosesAt must be an RFC 3339 timestamp")
        }
    }
}

/// `demand.create`: DemandInput plus `idempotencyKey` (flat, because the strict decoder checks
/// unknown members per container).
struct DemandCreateParams: Codable, Sendable {
    var title: String
    var serviceType: String
    var description: String
    var budgetFen: Int64
    var minPriceFen: Int64?
    var fundSource: FundSource
    var fiscalFen: Int64?
    var selectionMethod: SelectionMethodName
    var directAgencyId: String?
    var directReason: String?
    var compositeWeights: WeightsInput?
    var regionRestriction: String?
    var excludedAgencies: [ExcludedAgency]?
    var servicePeriodDays: Int
    var biddingClosesAt: String
    var idempotencyKey: String?

    var input: DemandInput {
        DemandInput(title: title, serviceType: serviceType, description: description, budgetFen: budgetFen,
                    minPriceFen: minPriceFen, fundSource: fundSource, fiscalFen: fiscalFen,
                    selectionMethod: selectionMethod, directAgencyId: directAgencyId, directReason: directReason,
                    compositeWeights: compositeWeights, regionRestriction: regionRestriction,
                    excludedAgencies: excludedAgencies, servicePeriodDays: servicePeriodDays,
                    biddingClosesAt: biddingClosesAt)
    }
}

/// `demand.update`: every DemandInput member is optional; the given ones replace the stored
/// values and the merged demand is validated as a whole. An explicit `null` clears an optional
/// member (e.g. `minPriceFen`).
struct DemandUpdateParams: Codable, Sendable {
    var demandId: String
    var title: String?
    var serviceType: String?
    var description: String?
    var budgetFen: Int64?
    var minPriceFen: JSONNullable<Int64>
    var fundSource: FundSource?
    var fiscalFen: JSONNullable<Int64>
    var selectionMethod: SelectionMethodName?
    var directAgencyId: JSONNullable<String>
    var directReason: JSONNullable<String>
    var compositeWeights: JSONNullable<WeightsInput>
    var regionRestriction: JSONNullable<String>
    var excludedAgencies: [ExcludedAgency]?
    var servicePeriodDays: Int?
    var biddingClosesAt: String?

    func merged(into base: DemandInput) -> DemandInput {
        var d = base
        if let title { d.title = title }
        if let serviceType { d.serviceType = serviceType }
        if let description { d.description = description }
        if let budgetFen { d.budgetFen = budgetFen }
        if !minPriceFen.isAbsent { d.minPriceFen = minPriceFen.value }
        if let fundSource { d.fundSource = fundSource }
        if !fiscalFen.isAbsent { d.fiscalFen = fiscalFen.value }
        if let selectionMethod { d.selectionMethod = selectionMethod }
        if !directAgencyId.isAbsent { d.directAgencyId = directAgencyId.value }
        if !directReason.isAbsent { d.directReason = directReason.value }
        if !compositeWeights.isAbsent { d.compositeWeights = compositeWeights.value }
        if !regionRestriction.isAbsent { d.regionRestriction = regionRestriction.value }
        if let excludedAgencies { d.excludedAgencies = excludedAgencies }
        if let servicePeriodDays { d.servicePeriodDays = servicePeriodDays }
        if let biddingClosesAt { d.biddingClosesAt = biddingClosesAt }
        return d
    }
}
