import CLibPQ
import Foundation

/// Every failure this module reports. A struct with a `Code` rather than an enum so new
/// diagnostics can be added without breaking callers' exhaustive switches, and so the
/// app can branch on a small set of codes while still reaching the server's SQLSTATE.
public struct PostgresError: Error, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable {
            case unavailable, poolTimeout, server, decoding, protocolViolation, closed, invalidParameter
        }
        fileprivate let base: Base

        /// The database cannot be reached (down, restarting, connection lost). Maps to JSON-RPC -32050.
        public static let unavailable = Code(base: .unavailable)
        /// Every connection stayed busy for longer than the acquire timeout.
        public static let poolTimeout = Code(base: .poolTimeout)
        /// The server rejected a statement; see `sqlState`.
        public static let server = Code(base: .server)
        /// A column value could not be decoded into the requested Swift type.
        public static let decoding = Code(base: .decoding)
        /// libpq or the server answered in a way this module does not expect.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// The pool was shut down.
        public static let closed = Code(base: .closed)
        /// A parameter cannot be sent at all (a NUL byte in text: libpq takes C strings). Nothing
        /// was sent for the statement; the caller's input is at fault.
        public static let invalidParameter = Code(base: .invalidParameter)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// Five-character SQLSTATE from the server, when there was one.
    public var sqlState: String?
    /// libpq's primary message (PG_DIAG_MESSAGE_PRIMARY or PQerrorMessage).
    public var message: String
    public var detail: String?
    public var hint: String?
    /// PG_DIAG_CONSTRAINT_NAME: lets the app turn unique violations into friendly errors.
    public var constraint: String?
    public var table: String?

    public init(
        code: Code, sqlState: String? = nil, message: String,
        detail: String? = nil, hint: String? = nil, constraint: String? = nil, table: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
    }

    /// 40001: the transaction lost a serialization race and is safe to run again.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// 40P01: the server broke a deadlock by aborting this transaction; safe to run again.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// 23505.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// 57014: statement_timeout or an explicit cancel.
    public var isQueryCanceled: Bool { sqlState == "57014" }
    /// The connection is gone or unusable; the pool discards it.
    public var isConnectionFailure: Bool {
        code == .unavailable || PostgresError.isConnectionClass(sqlState)
    }

    /// SQLSTATEs after which the session is dead: class 08 and the shutdown family 57P01–57P03.
    static func isConnectionClass(_ state: String?) -> Bool {
        guard let state else { return false }
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
    }

    static func decoding(column: String, _ why: String) -> PostgresError {
        PostgresError(code: .decoding, message: "column \"\(column)\": \(why)")
    }

    static let closedPool = PostgresError(code: .closed, message: "the connection pool has been shut down")
}

extension PostgresError: CustomStringConvertible {
    /// Safe for logs: messages and constraint names, never parameter values (libpq does not
    /// echo bound parameters). Details may quote key values, so they are left out; the app
    /// must still never send this text to clients.
    public var description: String {
        var text = "PostgresError(\(code)"
        if let sqlState { text += ", sqlState: \(sqlState)" }
        text += ", message: \(message)"
        if let constraint { text += ", constraint: \(constraint)" }
        return text + ")"
    }
}

extension PostgresError {
    /// Builds the error for a failed PGresult, classifying connection-class SQLSTATEs as
    /// `.unavailable` and falling back to the connection's message when the result is empty.
    static func from(result: OpaquePointer?, connection: OpaquePointer?) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let result, let ascii = code.asciiValue,
                  let pointer = PQresultErrorField(result, Int32(ascii)) else { return nil }
            return String(cString: pointer)
        }
        let sqlState = field("C")
        let connectionMessage = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) }
        let message = field("M")
            ?? result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            ?? connectionMessage.flatMap { $0.isEmpty ? nil : $0 }
            ?? "unknown libpq error"
        let broken = connection.map { PQstatus($0) == CONNECTION_BAD } ?? true
        let code: Code = (broken || isConnectionClass(sqlState)) ? .unavailable : .server
        return PostgresError(
            code: code, sqlState: sqlState,
            message: message.trimmingCharacters(in: .whitespacesAndNewlines),
            detail: field("D"), hint: field("H"), constraint: field("n"), table: field("t")
        )
    }
}
