import ImarketJSONRPC

/// API section 6: the catalog of intermediary service items.
enum CatalogMethods {
    struct ListParams: Codable, Sendable {
        var includeInactive: Bool?
    }

    struct ListResult: Codable, Sendable {
        var items: [CatalogItem]
    }

    struct UpsertParams: Codable, Sendable {
        var code: String
        var name: String
        var description: String?
        var qualificationRequired: Bool
        var active: Bool?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            code = try c.decode(String.self, forKey: .code)
            name = try c.decode(String.self, forKey: .name)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            qualificationRequired = try c.decode(Bool.self, forKey: .qualificationRequired)
            active = try c.decodeIfPresent(Bool.self, forKey: .active)
            try decoder.require(CatalogMethods.isCode(code), "invalid_value", "code must match ^[A-Z0-9_]{2,32}$", field: "code")
            try decoder.require(TextRules.isPresent(name, max: 200), "out_of_range", "name must be 1–200 characters", field: "name")
            try decoder.require((description?.count ?? 0) <= 2000, "out_of_range", "description is at most 2000 characters",
                                field: "description")
        }
    }

    static func isCode(_ s: String) -> Bool {
        (2...32).contains(s.utf8.count)
            && s.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("catalog.list", "The service items; inactive ones only with includeInactive.", access: .anyone,
                     params: ListParams.self, result: ListResult.self) { params, context in
            let includeInactive = params.includeInactive ?? false
            return ListResult(items: try await context.services.database.read {
                try CatalogStore.list($0, includeInactive: includeInactive)
            })
        }

        registry.add("catalog.upsert", "Creates or changes a service item.", access: .only(.admin),
                     params: UpsertParams.self, result: CatalogItem.self) { params, context in
            try await context.mutate("catalog.upsert", params: params) { connection in
                let item = try CatalogStore.upsert(connection, code: params.code, name: params.name, description: params.description,
                                                   qualificationRequired: params.qualificationRequired, active: params.active)
                return (item, AuditSubject("catalog", item.code))
            }
        }
    }
}
