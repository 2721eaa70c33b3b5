import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// Checks shared by purchaser and agency params and stores: credit codes, region codes, region
/// scopes, and the mapping of the credit-code unique constraints to API errors.
enum OrganizationChecks {
    /// -32022 `invalid_credit_code` (API section 4), skipped while the schema is probed.
    static func creditCode(_ code: String, _ decoder: any Decoder) throws {
        if !decoder.isSchemaProbe && !CreditCode.validate(code) {
            throw decoder.error(.businessRule(reason: "invalid_credit_code",
                                              message: "creditCode is not a valid unified social credit code"),
                                field: "creditCode")
        }
    }

    static func regionCode(_ code: String, _ decoder: any Decoder, field: String = "regionCode") throws {
        try decoder.require(RegionCode.validate(code), "invalid_value", "\(field) must be 6 digits", field: field)
    }

    static func regionPrefix(_ prefix: String?, _ decoder: any Decoder, field: String) throws {
        guard let prefix else { return }
        try decoder.require(RegionCode.validatePrefix(prefix), "invalid_value", "\(field) must be 1–6 digits", field: field)
    }

    /// Turns the credit-code unique violations into -32009 `duplicate_credit_code`; anything else
    /// is rethrown unchanged.
    static func mapDuplicate<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as PostgresError where error.isUniqueViolation
            && (error.constraint == "agencies_credit_code_key" || error.constraint == "purchasers_credit_code_key") {
            throw duplicateCreditCode
        }
    }

    static let duplicateCreditCode = RPCError.conflict(
        reason: "duplicate_credit_code", message: "An organization with this creditCode is already registered", field: "creditCode")

    /// Whether an overseer's region scope (if any) covers `regionCode`. Other roles are not
    /// limited by region.
    static func inScope(_ caller: Caller?, regionCode: String) -> Bool {
        guard let caller, caller.role == .overseer, let scope = caller.regionScope else { return true }
        return regionCode.hasPrefix(scope)
    }
}
