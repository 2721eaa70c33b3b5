import ImarketJSONRPC

/// A small API covering the JSON-RPC spec examples plus the shapes the real API uses.
struct TestContext: Sendable {
    var role: String = "admin"
}

struct SubtractParams: Codable, Sendable {
    var minuend: Int
    var subtrahend: Int
}

struct SumParams: Codable, Sendable {
    var a: Int
    var b: Int
    var c: Int?
}

struct UpdateParams: Codable, Sendable {
    var a, b, c, d, e: Int?
}

struct HelloParams: Codable, Sendable {
    var value: Int
}

enum Decision: String, Codable, Sendable, CaseIterable {
    case approve, reject
}

struct Contact: Codable, Sendable {
    var name: String
    var phone: String
    var email: String?
}

struct Qualification: Codable, Sendable {
    var serviceType: String
    var level: String?
    var validUntil: String

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serviceType = try c.decode(String.self, forKey: .serviceType)
        level = try c.decodeIfPresent(String.self, forKey: .level)
        validUntil = try c.decode(String.self, forKey: .validUntil)
        try decoder.require(validUntil.count == 10, "invalid_date", "validUntil must be YYYY-MM-DD", field: "validUntil")
    }
}

struct RegisterParams: Codable, Sendable {
    var name: String
    var contact: Contact
    var qualifications: [Qualification]
    var decision: Decision
    var limit: Int?
    var tags: [String: JSONValue]?
    var idempotencyKey: String?

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        contact = try c.decode(Contact.self, forKey: .contact)
        qualifications = try c.decode([Qualification].self, forKey: .qualifications)
        decision = try c.decode(Decision.self, forKey: .decision)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        tags = try c.decodeIfPresent([String: JSONValue].self, forKey: .tags)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        if let limit { try decoder.require((1...200).contains(limit), "out_of_range", "limit must be 1–200", field: "limit") }
    }
}

struct RegisterResult: Codable, Sendable {
    var agencyId: String
    @NullEncodable var reviewedAt: String?
    var count: Int
}

struct Boom: Error {
    var secret = "password=hunter2 SELECT * FROM accounts"
}

enum SampleAPI {
    static func registry() -> RPCMethodRegistry<TestContext> {
        var r = RPCMethodRegistry<TestContext>()
        r.register("subtract", summary: "a - b", params: SubtractParams.self, result: Int.self,
                   metadata: ["x-roles": ["anyone"]]) { p, _ in p.minuend - p.subtrahend }
        r.register("sum", summary: "a + b + c", params: SumParams.self, result: Int.self) { p, _ in
            p.a + p.b + (p.c ?? 0)
        }
        r.register("update", summary: "notification target", params: UpdateParams.self, result: Bool.self) { _, _ in true }
        r.register("notify_hello", summary: "notification target", params: HelloParams.self, result: Bool.self) { _, _ in true }
        r.register("notify_sum", summary: "notification target", params: SumParams.self, result: Int.self) { p, _ in p.a + p.b }
        r.register("get_data", summary: "mixed array", params: EmptyParams.self, result: JSONValue.self) { _, _ in
            ["hello", 5]
        }
        r.register("agency.register", summary: "register", description: "Nested params with validation.",
                   params: RegisterParams.self, result: RegisterResult.self,
                   metadata: ["x-roles": ["anyone"]], tags: ["agency"]) { p, _ in
            RegisterResult(agencyId: "ag_1", reviewedAt: nil, count: p.qualifications.count)
        }
        r.register("admin.only", summary: "admin", params: SubtractParams.self, result: Int.self,
                   metadata: ["x-roles": ["admin"]]) { p, _ in p.minuend }
        r.register("boom", summary: "fails", params: EmptyParams.self, result: Int.self) { _, _ in throw Boom() }
        r.registerImmediate("clock", summary: "immediate", params: EmptyParams.self, result: Int.self,
                            metadata: ["x-roles": ["anyone"]]) { _, _ in 1_796_000_000 }
        r.registerImmediate("admin.clock", summary: "immediate, admins only", params: SubtractParams.self, result: Int.self,
                            metadata: ["x-roles": ["admin"]]) { p, _ in p.minuend - p.subtrahend }
        r.registerImmediate("immediate.boom", summary: "immediate, fails", params: EmptyParams.self, result: Int.self) { _, _ in
            throw Boom()
        }
        r.register("conflict", summary: "rpc error", params: EmptyParams.self, result: Int.self) { _, _ in
            throw RPCError.conflict(reason: "idempotency_key_reused")
        }
        return r
    }

    /// Refuses methods whose `x-roles` exclude the caller; methods without roles are open.
    static func engine(maxBatchSize: Int = 100, onError: RPCEngine<TestContext>.ErrorObserver? = nil) -> RPCEngine<TestContext> {
        RPCEngine(registry: registry(), info: OpenRPCInfo(title: "test", version: "0.1.0", description: "sample"),
                  maxBatchSize: maxBatchSize,
                  authorize: { info, ctx in
                      let roles = info.roles
                      if roles.isEmpty || roles.contains("anyone") || roles.contains(ctx.role) { return }
                      throw RPCError.forbidden()
                  }, onError: onError)
    }
}

extension RPCEngine where Context == TestContext {
    /// `answerAtOnce` on a body given as text: the answer as text (nil = nothing to send), or
    /// nil wrapped in `.needsTask` with what must run later.
    func runAtOnce(_ body: String, role: String = "admin") -> RPCImmediateOutcome {
        answerAtOnce(bytes: Array(body.utf8), context: TestContext(role: role))
    }

    /// Runs a body given as text and returns the response as text (nil = no response).
    func run(_ body: String, role: String = "admin") async -> String? {
        guard let out = await handle(body: Array(body.utf8), context: TestContext(role: role)) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }
}
