import CLibPQ
import Foundation

/// One libpq session. Not Sendable: every call blocks in libpq, so a connection lives on
/// the pool thread that owns it and is only lent to closures running on that thread.
public final class PostgresConnection {
    let handle: OpaquePointer
    /// SQL text → server-side prepared statement, with its result columns once seen.
    private var statements: [String: PreparedStatement] = [:]
    /// The last statement looked up: a batch of shared reads runs one statement many times, and
    /// comparing a `static let` SQL text with itself is a pointer check where hashing it (a few
    /// hundred bytes) is not.
    private var lastStatement: (sql: String, statement: PreparedStatement)?
    /// Statements queued by `executeAtCommit` for the open transaction.
    var atCommit: [(sql: String, params: [PostgresBindable?])] = []
    /// A BEGIN not sent yet: it goes with the transaction's first statement.
    var pendingBegin: String?
    private var nextStatementNumber = 0
    /// Set when the session is left in a state we cannot reason about (e.g. COPY mode).
    private(set) var isPoisoned = false

    /// How many times this connection has called PQprepare. Tests use it to prove reuse.
    public private(set) var prepareCount = 0
    /// Distinct statements are kept until this many exist, then the cache is reset, so an
    /// app that builds SQL dynamically cannot grow server memory without bound.
    static let statementCacheLimit = 512

    /// Opens a session and applies the per-connection settings. Blocking: call it only
    /// from a thread you own (the pool does; so do the cluster tools).
    public init(configuration: PostgresConfiguration) throws {
        let timeout = max(1, Int(configuration.connectTimeout.seconds.rounded(.up)))
        // Config values come after the expanded conninfo so they override it.
        let keywords = ["dbname", "connect_timeout", "application_name"]
        let values = [configuration.conninfo, String(timeout), configuration.applicationName]
        let connection = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(code: .unavailable, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw PostgresError(code: .unavailable, message: message.isEmpty ? "connection failed" : message)
        }
        handle = connection
        // Server NOTICEs (e.g. "already exists, skipping") would go to stderr by default; they
        // are informational for us, never errors, so they are dropped.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        _ = try execParams(
            "SELECT set_config('statement_timeout', $1, false), set_config('TimeZone', 'UTC', false),"
                + " set_config('DateStyle', 'ISO, MDY', false)",
            [String(configuration.statementTimeout.wholeMilliseconds)]
        )
    }

    deinit { PQfinish(handle) }

    // MARK: Public statement API

    /// Runs one statement with bound parameters, preparing it on first use per connection.
    @discardableResult
    public func query(_ sql: String, _ params: [PostgresBindable?] = []) throws -> PostgresRows {
        if let begin = pendingBegin {
            pendingBegin = nil
            return try beginThenQuery(begin, sql, params)
        }
        let statement = try prepared(sql, params)
        let result = try withParameters(params) { values, _ in
            PQexecPrepared(handle, statement.name, Int32(params.count), values, nil, nil, 0)
        }
        do {
            return materialize(try check(result), of: statement)
        } catch let error as PostgresError {
            forgetIfStale(sql, error)
            throw error
        }
    }

    /// Like `query`, returning the affected row count (0 for statements without one).
    @discardableResult
    public func execute(_ sql: String, _ params: [PostgresBindable?] = []) throws -> Int {
        let rows = try query(sql, params)
        return rows.affectedRows
    }

    /// PQexec: several statements separated by semicolons, no parameters. Meant for
    /// migrations and fixed session commands, never for SQL containing values.
    public func simpleQuery(_ sql: String) throws {
        try sendPendingBegin()
        let result = PQexec(handle, sql)
        PQclear(try check(result))
    }

    /// libpq's view of the transaction state, after the last command.
    public var transactionStatus: PGTransactionStatusType { PQtransactionStatus(handle) }

    /// The backend process id, handy for tests that terminate sessions.
    public var backendPID: Int32 { PQbackendPID(handle) }

    // MARK: Health (used by the pool)

    /// Cheap liveness probe before lending the connection: reads whatever the server sent
    /// while we were idle (a shutdown notice, EOF) without blocking or a round trip.
    var isUsableWhenIdle: Bool {
        guard !isPoisoned, PQstatus(handle) == CONNECTION_OK else { return false }
        // The usual case costs one non-blocking peek: nothing arrived while the session was idle.
        guard socketHasInput else { return PQtransactionStatus(handle) == PQTRANS_IDLE }
        // Two reads: the first may return a pending FATAL message (e.g. 57P01 after a
        // server shutdown or pg_terminate_backend); parsing it and reading again sees EOF.
        guard PQconsumeInput(handle) == 1 else { return false }
        _ = PQisBusy(handle)
        guard PQconsumeInput(handle) == 1 else { return false }
        while let notification = PQnotifies(handle) { PQfreemem(notification) }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Whether the server sent anything (or closed) since the last result was read. An error
    /// other than "would block" counts as input, so that libpq gets to report it.
    private var socketHasInput: Bool {
        var byte: UInt8 = 0
        let count = recv(PQsocket(handle), &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return !(count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    }

    var isBroken: Bool { isPoisoned || PQstatus(handle) != CONNECTION_OK }

    /// Returns the session to idle after a borrower finished; false means discard it.
    func resetAfterUse() -> Bool {
        atCommit = []
        pendingBegin = nil
        if isBroken { return false }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE:
            return true
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            // A borrower left a transaction open: never let it leak into the next caller.
            return (try? simpleQuery("ROLLBACK")) != nil && PQtransactionStatus(handle) == PQTRANS_IDLE
        default:
            return false
        }
    }

    // MARK: libpq plumbing

    /// Stale or vanished statements (schema changed, DISCARD ALL) are re-prepared next time.
    func forgetIfStale(_ sql: String, _ error: PostgresError) {
        if error.sqlState == "26000" || error.sqlState == "0A000" { statements[sql] = nil }
    }

    /// A prepared statement's rows; its columns are kept from the first run (see `materialize`).
    func materialize(_ result: OpaquePointer, of statement: PreparedStatement) -> PostgresRows {
        let rows = materialize(result, columns: statement.columns)
        if statement.columns == nil { statement.columns = rows.columns }
        return rows
    }

    /// The session's protocol state is unknown (e.g. a pipeline that could not be left): the
    /// pool discards it.
    func markPoisoned() { isPoisoned = true }

    func prepared(_ sql: String, _ params: [PostgresBindable?]) throws -> PreparedStatement {
        if let last = lastStatement, last.sql == sql { return last.statement }
        if let statement = statements[sql] {
            lastStatement = (sql, statement)
            return statement
        }
        if statements.count >= Self.statementCacheLimit, pendingBegin == nil, PQtransactionStatus(handle) == PQTRANS_IDLE {
            try simpleQuery("DEALLOCATE ALL")
            statements.removeAll()
            lastStatement = nil
        }
        nextStatementNumber += 1
        let name = "imarket_\(nextStatementNumber)"
        let types = params.map { $0?.postgresTypeOID ?? 0 }
        let result = types.withUnsafeBufferPointer { buffer in
            PQprepare(handle, name, sql, Int32(params.count), buffer.isEmpty ? nil : buffer.baseAddress)
        }
        prepareCount += 1
        PQclear(try check(result))
        let statement = PreparedStatement(name: name)
        statements[sql] = statement
        lastStatement = (sql, statement)
        return statement
    }

    /// Unnamed-statement execution with parameters, for internal one-off commands.
    func execParams(_ sql: String, _ params: [PostgresBindable?]) throws -> PostgresRows {
        let result = try withParameters(params) { values, types in
            PQexecParams(handle, sql, Int32(params.count), types, values, nil, nil, 0)
        }
        return try materialize(check(result))
    }

    /// libpq takes parameters as C strings: a NUL byte would cut one short without a word.
    static func nulParameter(_ index: Int) -> PostgresError {
        PostgresError(code: .invalidParameter, message: "parameter $\(index + 1) contains a NUL byte")
    }

    /// Throws what `withParameters` would, before anything is sent (for a statement sent with
    /// others, whose failure must stay its own).
    static func checkParameters(_ params: [PostgresBindable?]) throws {
        for (index, param) in params.enumerated() where param?.postgresText.utf8.contains(0) == true {
            throw nulParameter(index)
        }
    }

    func withParameters<R>(
        _ params: [PostgresBindable?],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Oid>?) -> R
    ) throws -> R {
        var owned: [UnsafeMutablePointer<CChar>?] = []
        owned.reserveCapacity(params.count)
        defer { owned.forEach { free($0) } }
        for (index, param) in params.enumerated() {
            guard let param else { owned.append(nil); continue }
            let text = param.postgresText
            if text.utf8.contains(0) { throw Self.nulParameter(index) }
            owned.append(strdup(text))
        }
        let values = owned.map { UnsafePointer($0) }
        let types = params.map { $0?.postgresTypeOID ?? 0 }
        return values.withUnsafeBufferPointer { valueBuffer in
            types.withUnsafeBufferPointer { typeBuffer in
                body(valueBuffer.isEmpty ? nil : valueBuffer.baseAddress, typeBuffer.isEmpty ? nil : typeBuffer.baseAddress)
            }
        }
    }

    /// Turns a PGresult into success or a classified error, clearing it on failure.
    func check(_ result: OpaquePointer?) throws -> OpaquePointer {
        guard let result else { throw PostgresError.from(result: nil, connection: handle) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            let error = PostgresError.from(result: result, connection: handle)
            PQclear(result)
            throw error
        default:
            // COPY or pipeline states: the session's protocol position is now unknown.
            PQclear(result)
            isPoisoned = true
            throw PostgresError(code: .protocolViolation, message: "unexpected result status (COPY is not supported)")
        }
    }

    /// Copies every value out so the PGresult can be freed immediately.
    /// `columns`, when given, are this statement's columns from an earlier run: a prepared
    /// statement's result shape cannot change (the server fails it with 0A000 instead), so the
    /// names and their index are built once per statement, not once per call.
    func materialize(_ result: OpaquePointer, columns known: PostgresColumns? = nil) -> PostgresRows {
        defer { PQclear(result) }
        let fieldCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = known.flatMap { $0.names.count == Int(fieldCount) ? $0 : nil }
            ?? PostgresColumns(names: (0..<fieldCount).map { String(cString: PQfname(result, $0)) })
        var values = [[String?]]()
        values.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var rowValues = [String?]()
            rowValues.reserveCapacity(Int(fieldCount))
            for field in 0..<fieldCount {
                if PQgetisnull(result, row, field) == 1 {
                    rowValues.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, field))
                    let raw = UnsafeRawPointer(PQgetvalue(result, row, field)!)
                    rowValues.append(String(decoding: UnsafeRawBufferPointer(start: raw, count: length), as: UTF8.self))
                }
            }
            values.append(rowValues)
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, values: values, commandTag: tag, affectedRows: affected)
    }
}

/// A server-side prepared statement of one connection.
final class PreparedStatement {
    let name: String
    var columns: PostgresColumns?

    init(name: String) { self.name = name }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let owned = strings.map { strdup($0) }
    defer { owned.forEach { free($0) } }
    var pointers = owned.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
