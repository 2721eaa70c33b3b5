import Foundation
import ImarketDomain
import ImarketJSONRPC

/// API section 10: treasury payment import, red-flag scans, flag review and the summary.
/// Overseers (within their region scope for reading) and the admin.
enum ComplianceMethods {
    enum RuleName: String, Codable, Sendable, CaseIterable {
        case OFF_PLATFORM, PAYMENT_BEFORE_CONTRACT, OVERPAYMENT, SPLIT_PURCHASE, SINGLE_BID, SHORT_WINDOW, IDENTICAL_BIDS,
             PRICE_AT_CAP, WINNER_CONCENTRATION, DIRECT_OVERUSE, LATE_CONTRACT, NO_EVALUATION, SHARED_CONTACT
    }
    enum FlagStatus: String, Codable, Sendable, CaseIterable { case open, confirmed, dismissed }
    enum ReviewStatus: String, Codable, Sendable, CaseIterable { case confirmed, dismissed }
    enum GroupBy: String, Codable, Sendable, CaseIterable { case purchaser, agency, rule }

    static func checkWindow(_ from: String, _ to: String, _ decoder: any Decoder) throws {
        try ContractParams.checkDate(from, "from", decoder)
        try ContractParams.checkDate(to, "to", decoder)
        if let f = CivilDate(from), let t = CivilDate(to) {
            try decoder.require(f <= t, "out_of_range", "to must not be before from", field: "to")
        }
    }

    struct ImportParams: Codable, Sendable {
        var records: [PaymentRecord]
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            records = try c.decode([PaymentRecord].self, forKey: .records)
            try decoder.require((1...10_000).contains(records.count), "out_of_range", "records must hold 1–10,000 records", field: "records")
        }
    }

    struct Window: Codable, Sendable {
        var from: String
        var to: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.from = try c.decode(String.self, forKey: .from)
            to = try c.decode(String.self, forKey: .to)
            try checkWindow(self.from, to, decoder)
        }
    }

    struct FlagsParams: Codable, Sendable {
        var rule: RuleName?
        var status: FlagStatus?
        var purchaserId: String?
        var agencyId: String?
        var from: String?
        var to: String?
        var cursor: String?
        var limit: Int?
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            rule = try c.decodeIfPresent(RuleName.self, forKey: .rule)
            status = try c.decodeIfPresent(FlagStatus.self, forKey: .status)
            purchaserId = try c.decodeIfPresent(String.self, forKey: .purchaserId)
            agencyId = try c.decodeIfPresent(String.self, forKey: .agencyId)
            self.from = try c.decodeIfPresent(String.self, forKey: .from)
            to = try c.decodeIfPresent(String.self, forKey: .to)
            cursor = try c.decodeIfPresent(String.self, forKey: .cursor)
            limit = try c.decodeIfPresent(Int.self, forKey: .limit)
            if let f = self.from { try ContractParams.checkDate(f, "from", decoder) }
            if let t = to { try ContractParams.checkDate(t, "to", decoder) }
            try decoder.require((1...200).contains(limit ?? 50), "out_of_range", "limit must be 1–200", field: "limit")
            try decoder.require(cursor.map { KeysetCursor.decode($0) != nil } ?? true, "invalid_value",
                                "cursor is not one this server issued", field: "cursor")
        }
    }

    struct ReviewParams: Codable, Sendable {
        var flagId: String
        var status: ReviewStatus
        var note: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            flagId = try c.decode(String.self, forKey: .flagId)
            status = try c.decode(ReviewStatus.self, forKey: .status)
            note = try c.decode(String.self, forKey: .note)
            try ContractParams.checkText(note, "note", max: 2000, decoder)
        }
    }

    struct SummaryParams: Codable, Sendable {
        var from: String
        var to: String
        var groupBy: GroupBy
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.from = try c.decode(String.self, forKey: .from)
            to = try c.decode(String.self, forKey: .to)
            groupBy = try c.decode(GroupBy.self, forKey: .groupBy)
            try checkWindow(self.from, to, decoder)
        }
    }

    struct Page: Codable, Sendable {
        var items: [FlagView]
        @NullEncodable var nextCursor: String?
    }

    static func scope(_ context: RequestContext) -> String? {
        context.caller?.role == .overseer ? context.caller?.regionScope : nil
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("compliance.importPayments", "Imports 1–10,000 treasury payment records; valid ones are stored, idempotent by externalId.",
                     access: .only(.admin, .overseer), params: ImportParams.self, result: ImportResult.self) { params, context in
            let importId = Identifiers.make("imp")
            return try await context.mutate("compliance.importPayments", params: params) { c in
                (try PaymentImport.run(c, importId: importId, records: params.records), AuditSubject("payment_import", importId))
            }
        }
        registry.add("compliance.scan", "Runs every red-flag rule over the window; rescanning never duplicates a flag and keeps reviews.",
                     access: .only(.admin, .overseer), params: Window.self, result: ScanResult.self) { params, context in
            let scanId = Identifiers.make("scn")
            let actor = context.caller?.accountId
            return try await context.mutate("compliance.scan", params: params) { c in
                (try ComplianceScan.run(c, scanId: scanId, from: params.from, to: params.to, by: actor), AuditSubject("compliance_scan", scanId))
            }
        }
        registry.add("compliance.flags", "Red flags, newest first, filtered by rule, status, purchaser, agency and date of the finding.",
                     access: .only(.admin, .overseer), params: FlagsParams.self, result: Page.self) { params, context in
            let filter = FlagStore.Filter(rule: params.rule?.rawValue, status: params.status?.rawValue, purchaserId: params.purchaserId,
                                          agencyId: params.agencyId, from: params.from, to: params.to, scope: scope(context),
                                          after: params.cursor.flatMap(KeysetCursor.decode), limit: params.limit ?? 50)
            let (items, keys, more) = try await context.services.database.read { try FlagStore.list($0, filter) }
            let next = more ? items.last.map { KeysetCursor.encode(sortKey: keys[keys.count - 1], id: $0.flagId) } : nil
            return Page(items: items, nextCursor: next)
        }
        registry.add("compliance.review", "Confirms or dismisses a flag with a note.",
                     access: .only(.admin, .overseer), params: ReviewParams.self, result: FlagView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("compliance.review", params: params) { c in
                (try FlagStore.review(c, flagId: params.flagId, status: params.status.rawValue, note: params.note, caller: caller),
                 AuditSubject("compliance_flag", params.flagId))
            }
        }
        registry.add("compliance.summary", "Flags grouped by purchaser, agency or rule, and the platform share of fiscal intermediary spending.",
                     access: .only(.admin, .overseer), params: SummaryParams.self, result: SummaryResult.self) { params, context in
            let s = scope(context)
            return try await context.services.database.read {
                try ComplianceSummary.run($0, from: params.from, to: params.to, groupBy: params.groupBy.rawValue, scope: s)
            }
        }
    }
}
