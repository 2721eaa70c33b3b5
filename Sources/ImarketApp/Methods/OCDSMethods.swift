import Foundation
import ImarketDomain
import ImarketJSONRPC

/// API section 10: open data as an OCDS 1.1 release package, for anyone.
enum OCDSMethods {
    struct PackageParams: Codable, Sendable {
        var demandIds: [String]?
        var from: String?
        var to: String?
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            demandIds = try c.decodeIfPresent([String].self, forKey: .demandIds)
            self.from = try c.decodeIfPresent(String.self, forKey: .from)
            to = try c.decodeIfPresent(String.self, forKey: .to)
            if let ids = demandIds {
                try decoder.require((1...1000).contains(ids.count), "out_of_range", "demandIds must hold 1–1000 ids", field: "demandIds")
                try decoder.require(self.from == nil && to == nil, "invalid_value", "give demandIds or from/to, not both", field: "from")
            } else {
                try decoder.require(self.from != nil, "missing_field", "from and to are required without demandIds", field: "from")
                try decoder.require(to != nil, "missing_field", "from and to are required without demandIds", field: "to")
                if let f = self.from, let t = to { try ComplianceMethods.checkWindow(f, t, decoder) }
            }
        }
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("ocds.releasePackage", "An OCDS 1.1 release package of closed demands (by id or publish date); sealed bids never appear.",
                     access: .anyone, params: PackageParams.self, result: JSONValue.self) { params, context in
            try await context.services.database.read { c in
                let tz = try RulesStore.load(c).timeZone
                let releases = try OCDSReleases.releases(c, demandIds: params.demandIds, from: params.from, to: params.to, timeZone: tz)
                return OCDSReleases.package(releases: releases, publishedAt: Date())
            }
        }
    }
}
