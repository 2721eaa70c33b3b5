import Foundation
import ImarketDomain
import ImarketJSONRPC

/// API section 10: public statistics for anyone.
enum StatsMethods {
    struct OverviewParams: Codable, Sendable {
        var from: String
        var to: String
        var regionCode: String?
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.from = try c.decode(String.self, forKey: .from)
            to = try c.decode(String.self, forKey: .to)
            regionCode = try c.decodeIfPresent(String.self, forKey: .regionCode)
            try ComplianceMethods.checkWindow(self.from, to, decoder)
            try decoder.require(regionCode.map { (1...6).contains($0.count) && $0.allSatisfy { $0.isASCII && $0.isNumber } } ?? true,
                                "invalid_value", "regionCode must be a prefix of 1–6 digits", field: "regionCode")
        }
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("stats.overview", "Public statistics of demands, awards, agencies and contracts, with the region ranking.",
                     access: .anyone, params: OverviewParams.self, result: OverviewResult.self) { params, context in
            try await context.services.database.read {
                try StatsOverview.run($0, from: params.from, to: params.to, region: params.regionCode)
            }
        }
    }
}
