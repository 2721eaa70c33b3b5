/// A JSON-RPC error as the client sees it.
///
/// Every error carries a stable snake_case `reason` (clients branch on it, not on `message`) and,
/// where a parameter is at fault, `field` as a JSON path (`qualifications[1].validUntil`).
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var reason: String
    public var field: String?
    /// Additional members of `data`, written after `reason` and `field` in this order.
    public var extra: [(String, JSONValue)]

    public init(code: Int, message: String, reason: String, field: String? = nil, extra: [(String, JSONValue)] = []) {
        self.code = code
        self.message = message
        self.reason = reason
        self.field = field
        self.extra = extra
    }

    // MARK: Standard JSON-RPC codes

    public static func parseError(_ message: String = "Parse error") -> RPCError {
        RPCError(code: -32700, message: message, reason: "parse_error")
    }

    public static func invalidRequest(_ message: String = "Invalid request", reason: String = "invalid_request") -> RPCError {
        RPCError(code: -32600, message: message, reason: reason)
    }

    public static func methodNotFound(_ message: String = "Method not found") -> RPCError {
        RPCError(code: -32601, message: message, reason: "method_not_found")
    }

    public static func invalidParams(reason: String, field: String? = nil, message: String = "Invalid params") -> RPCError {
        RPCError(code: -32602, message: message, reason: reason, field: field)
    }

    /// Deliberately takes no message: whatever went wrong inside stays in the server's logs.
    public static var internalError: RPCError {
        RPCError(code: -32603, message: "Internal error", reason: "internal_error")
    }

    // MARK: Application codes (API.md section 3)

    /// `reason` is `authentication_required` (anonymous caller) or `invalid_token`.
    public static func unauthenticated(reason: String = "authentication_required", message: String = "Authentication required") -> RPCError {
        RPCError(code: -32001, message: message, reason: reason)
    }

    public static func forbidden(_ message: String = "Forbidden") -> RPCError {
        RPCError(code: -32003, message: message, reason: "forbidden")
    }

    public static func notFound(_ message: String = "Not found", field: String? = nil) -> RPCError {
        RPCError(code: -32004, message: message, reason: "not_found", field: field)
    }

    public static func conflict(reason: String, message: String = "Conflict", field: String? = nil) -> RPCError {
        RPCError(code: -32009, message: message, reason: reason, field: field)
    }

    public static func outsideWindow(reason: String, message: String = "Outside the allowed time window", field: String? = nil) -> RPCError {
        RPCError(code: -32010, message: message, reason: reason, field: field)
    }

    public static func businessRule(reason: String, message: String = "Business rule violated", field: String? = nil) -> RPCError {
        RPCError(code: -32022, message: message, reason: reason, field: field)
    }

    public static func rateLimited(_ message: String = "Rate limited") -> RPCError {
        RPCError(code: -32029, message: message, reason: "rate_limited")
    }

    public static func unavailable(_ message: String = "Temporarily unavailable") -> RPCError {
        RPCError(code: -32050, message: message, reason: "unavailable")
    }

    // MARK: Wire form

    /// `{"code":…,"message":…,"data":{"reason":…,"field":…,…extra}}`; `field` omitted when nil.
    public var jsonValue: JSONValue {
        var data = JSONObject([(key: "reason", value: .string(reason))])
        if let field { data.members.append((key: "field", value: .string(field))) }
        for (k, v) in extra { data.members.append((key: k, value: v)) }
        return .object(JSONObject([
            (key: "code", value: .number(JSONNumber(code))),
            (key: "message", value: .string(message)),
            (key: "data", value: .object(data)),
        ]))
    }

    public var description: String {
        "RPCError(\(code), \(reason)\(field.map { ", field: \($0)" } ?? ""): \(message))"
    }

    public static func == (lhs: RPCError, rhs: RPCError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.reason == rhs.reason && lhs.field == rhs.field
            && lhs.extra.map(\.0) == rhs.extra.map(\.0) && lhs.extra.map(\.1) == rhs.extra.map(\.1)
    }
}
