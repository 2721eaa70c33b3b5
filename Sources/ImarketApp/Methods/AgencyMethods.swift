import Foundation
import ImarketJSONRPC

/// API section 6: agency registration, review, profile, suspension, lookup, search and credit.
enum AgencyMethods {
    struct Registered: Codable, Sendable {
        var agency: Agency
        var token: String
    }

    struct Page: Codable, Sendable {
        var items: [Agency]
        @NullEncodable var nextCursor: String?
    }

    struct Penalty: Codable, Sendable {
        var kind: String
        /// Whole points deducted (5 or 10).
        var points: Int
        var at: String
        @NullEncodable var ref: String?
    }

    struct Credit: Codable, Sendable {
        var agencyId: String
        var score: CreditPoints
        var evaluations: Int
        var penalties: [Penalty]
    }

    /// Contact details are for the admin, overseers (region scope already checked) and the
    /// agency itself.
    static func redacted(_ agency: Agency, for caller: Caller?) -> Agency {
        guard let caller else { var a = agency; a.contact = nil; return a }
        if caller.role == .admin || caller.role == .overseer || (caller.role == .agency && caller.orgId == agency.agencyId) {
            return agency
        }
        var a = agency
        a.contact = nil
        return a
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("agency.register", "Self-registration of an agency (starts pending); returns its first token (shown once).",
                     access: .anyone, params: AgencyParams.Register.self, result: Registered.self) { params, context in
            let rules = try await context.services.rules.current()
            if context.caller == nil,
               !context.services.rateLimiter.record("register:" + context.remoteAddress, limit: rules.registrationsPerMinute) {
                throw RPCError.rateLimited("Too many registrations from this address; wait a minute")
            }
            let timeZone = rules.timeZone
            return try await context.mutate("agency.register", params: params, idempotencyKey: params.idempotencyKey) { connection in
                if try PurchaserStore.creditCodeTaken(connection, params.creditCode) { throw OrganizationChecks.duplicateCreditCode }
                try ServiceTypeCheck.check(connection, serviceTypes: params.serviceTypes, qualifications: params.qualifications,
                                           timeZone: timeZone)
                let id = try AgencyStore.insert(connection, .init(
                    name: params.name, creditCode: params.creditCode, regionCode: params.regionCode, address: params.address,
                    contact: params.contact, serviceTypes: params.serviceTypes, qualifications: params.qualifications))
                let account = try AccountStore.createAccount(connection, role: .agency, name: params.name, orgId: id)
                let token = try AccountStore.createToken(connection, accountId: account.accountId, label: "agency.register")
                guard let agency = try AgencyStore.find(connection, agencyId: id) else { throw RPCError.internalError }
                return (Registered(agency: agency, token: token.token), AuditSubject("agency", id))
            }
        }

        registry.add("agency.review", "Approves or rejects a pending agency (a reason is required to reject).",
                     access: .only(.admin), params: AgencyParams.Review.self, result: Agency.self) { params, context in
            try await context.mutate("agency.review", params: params) { connection in
                let current = try AgencyStore.lock(connection, agencyId: params.agencyId, actorId: nil)
                guard current.status == .pending else {
                    throw RPCError.conflict(reason: "invalid_state", message: "Only a pending agency can be reviewed (it is \(current.status.rawValue))")
                }
                try AgencyStore.setStatus(connection, agencyId: params.agencyId,
                                          status: params.decision == .approve ? .approved : .rejected,
                                          reason: params.reason, reviewed: true)
                return (try AgencyStore.find(connection, agencyId: params.agencyId)!, AuditSubject("agency", params.agencyId))
            }
        }

        registry.add("agency.update", "The agency changes its own profile; a change of serviceTypes or qualifications returns it to pending.",
                     access: .only(.agency), params: AgencyParams.Update.self, result: Agency.self) { params, context in
            let caller = try context.requireCaller
            guard let agencyId = caller.orgId else { throw RPCError.forbidden("This account is not linked to an agency") }
            let timeZone = try await context.services.rules.current().timeZone
            return try await context.mutate("agency.update", params: params) { connection in
                let current = try AgencyStore.lock(connection, agencyId: agencyId, actorId: caller.accountId)
                let serviceTypes = params.serviceTypes ?? current.serviceTypes
                let qualifications = params.qualifications ?? current.qualifications
                let reviewable = serviceTypes != current.serviceTypes || qualifications != current.qualifications
                if reviewable {
                    guard current.status != .suspended else {
                        throw RPCError.conflict(reason: "invalid_state",
                                                message: "A suspended agency cannot change its service types or qualifications")
                    }
                    try ServiceTypeCheck.check(connection, serviceTypes: serviceTypes, qualifications: qualifications, timeZone: timeZone)
                }
                try AgencyStore.updateProfile(connection, agencyId: agencyId, contact: params.contact, address: params.address,
                                              serviceTypes: params.serviceTypes)
                if let q = params.qualifications, q != current.qualifications {
                    try AgencyStore.replaceQualifications(connection, agencyId: agencyId, q)
                }
                if reviewable {
                    try AgencyStore.setStatus(connection, agencyId: agencyId, status: .pending, reason: nil)
                }
                return (try AgencyStore.find(connection, agencyId: agencyId)!, AuditSubject("agency", agencyId))
            }
        }

        registry.add("agency.suspend", "Suspends an approved agency, optionally until a time after which it is lifted by itself.",
                     access: .only(.admin), params: AgencyParams.Suspend.self, result: Agency.self) { params, context in
            let until = params.until.flatMap(RFC3339.parse)
            if let until, until <= Date() {
                throw RPCError.invalidParams(reason: "out_of_range", field: "until", message: "until must be in the future")
            }
            return try await context.mutate("agency.suspend", params: params) { connection in
                let current = try AgencyStore.lock(connection, agencyId: params.agencyId, actorId: nil)
                guard current.status == .approved || current.status == .suspended else {
                    throw RPCError.conflict(reason: "invalid_state", message: "Only an approved or suspended agency can be suspended")
                }
                try AgencyStore.setStatus(connection, agencyId: params.agencyId, status: .suspended, reason: params.reason,
                                          suspendedUntil: until)
                return (try AgencyStore.find(connection, agencyId: params.agencyId)!, AuditSubject("agency", params.agencyId))
            }
        }

        registry.add("agency.reinstate", "Ends a suspension.", access: .only(.admin),
                     params: AgencyParams.Reinstate.self, result: Agency.self) { params, context in
            try await context.mutate("agency.reinstate", params: params) { connection in
                let current = try AgencyStore.lock(connection, agencyId: params.agencyId, actorId: nil)
                guard current.status == .suspended else {
                    throw RPCError.conflict(reason: "invalid_state", message: "Only a suspended agency can be reinstated")
                }
                try AgencyStore.setStatus(connection, agencyId: params.agencyId, status: .approved, reason: params.reason)
                return (try AgencyStore.find(connection, agencyId: params.agencyId)!, AuditSubject("agency", params.agencyId))
            }
        }

        registry.add("agency.get", "An agency; contact only for admin, overseers and the agency itself.", access: .anyone,
                     params: AgencyParams.ById.self, result: Agency.self) { params, context in
            guard let agency = try await context.services.database.read({ try AgencyStore.find($0, agencyId: params.agencyId) }) else {
                throw RPCError.notFound("No such agency", field: "agencyId")
            }
            guard OrganizationChecks.inScope(context.caller, regionCode: agency.regionCode) else {
                throw RPCError.forbidden("This agency is outside your region scope")
            }
            return redacted(agency, for: context.caller)
        }

        registry.add("agency.search", "Agencies by service type, region prefix, status (default approved) and name text; highest credit first.",
                     access: .anyone, params: AgencyParams.Search.self, result: Page.self) { params, context in
            let filter = AgencySearch.Filter(
                serviceType: params.serviceType, regionPrefix: params.regionCode,
                scopePrefix: context.caller?.role == .overseer ? context.caller?.regionScope : nil,
                status: params.status ?? .approved, text: params.text,
                after: params.cursor.flatMap(AgencySearch.decodeCursor), limit: params.limit ?? 50)
            let (items, more) = try await context.services.database.read { try AgencySearch.run($0, filter) }
            let next = more ? items.last.map { AgencySearch.encodeCursor(credit: $0.creditScore.hundredths, agencyId: $0.agencyId) } : nil
            return Page(items: items.map { redacted($0, for: context.caller) }, nextCursor: next)
        }

        registry.add("agency.credit", "An agency's credit score with the evaluations and penalties behind it.", access: .anyone,
                     params: AgencyParams.ById.self, result: Credit.self) { params, context in
            guard let agency = try await context.services.database.read({ try AgencyStore.find($0, agencyId: params.agencyId) }) else {
                throw RPCError.notFound("No such agency", field: "agencyId")
            }
            guard OrganizationChecks.inScope(context.caller, regionCode: agency.regionCode) else {
                throw RPCError.forbidden("This agency is outside your region scope")
            }
            // The stored score is kept current by CreditStore.recompute; the details are its inputs.
            let (evaluations, penalties) = try await context.services.database.read {
                try CreditStore.details($0, agencyId: agency.agencyId)
            }
            return Credit(agencyId: agency.agencyId, score: agency.creditScore, evaluations: evaluations,
                          penalties: penalties.map {
                              Penalty(kind: $0.kind, points: $0.points,
                                      at: RFC3339.format($0.at), ref: $0.ref)
                          })
        }
    }
}
