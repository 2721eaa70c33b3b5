/// The roles of API section 2. `anonymous` is the absence of credentials, never stored.
public enum Role: String, Sendable, Codable, CaseIterable {
    case admin, purchaser, agency, overseer, anonymous
}

/// Who is calling: resolved once per HTTP request (token or client certificate) before any
/// JSON-RPC method runs.
public struct Caller: Sendable, Equatable {
    public var accountId: String
    public var role: Role
    public var name: String
    /// purchaserId or agencyId; nil for admin and overseer accounts.
    public var orgId: String?
    /// Overseers only: region-code prefix they are limited to.
    public var regionScope: String?

    public init(accountId: String, role: Role, name: String, orgId: String?, regionScope: String?) {
        self.accountId = accountId
        self.role = role
        self.name = name
        self.orgId = orgId
        self.regionScope = regionScope
    }
}

/// Who may call a method, declared once per method at registration and enforced by the engine
/// before params are decoded, so a caller without access learns nothing from validation errors.
public struct Access: Sendable {
    public let roles: Set<Role>

    public static let anyone = Access(roles: Set(Role.allCases))
    public static let authenticated = Access(roles: Set(Role.allCases).subtracting([.anonymous]))
    public static func only(_ roles: Role...) -> Access { Access(roles: Set(roles)) }

    /// The `x-roles` value published in the OpenRPC document, in a stable order.
    public var publishedRoles: [String] {
        Role.allCases.filter(roles.contains).map(\.rawValue)
    }
}
