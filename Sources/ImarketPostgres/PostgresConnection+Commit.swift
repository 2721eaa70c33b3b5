import CLibPQ

/// Statements sent together with COMMIT, in one round trip (libpq pipeline mode).
///
/// Why: a transaction's last writes (the audit entry, the stored idempotent result) have no
/// result anyone reads, yet each cost a full round trip while the transaction held its locks.
/// Queued here, they travel with the COMMIT: same statements, same order, same atomicity.
extension PostgresConnection {
    /// Queues a statement to run, in order, right before this transaction's COMMIT, in the same
    /// round trip. Nothing in the transaction may read its effect before then. If it fails, the
    /// transaction fails with its error exactly as if it had run in place (and is rolled back).
    /// Outside a transaction it simply runs now.
    public func executeAtCommit(_ sql: String, _ params: [PostgresBindable?]) throws {
        guard transactionStatus == PQTRANS_INTRANS else {
            try execute(sql, params)
            return
        }
        // Prepared now, synchronously, so that the pipeline only executes.
        _ = try prepared(sql, params)
        atCommit.append((sql, params))
    }

    /// COMMIT, preceded by the queued statements; returns COMMIT's command tag.
    func commit() throws -> String {
        guard !atCommit.isEmpty else { return try query("COMMIT").commandTag }
        let queued = atCommit
        atCommit = []
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError.from(result: nil, connection: handle)
        }
        defer { if PQexitPipelineMode(handle) != 1 { markPoisoned() } }
        for (sql, params) in queued {
            let name = try prepared(sql, params).name
            let sent = try withParameters(params) { values, _ in
                PQsendQueryPrepared(handle, name, Int32(params.count), values, nil, nil, 0)
            }
            guard sent == 1 else { throw PostgresError.from(result: nil, connection: handle) }
        }
        guard PQsendQueryParams(handle, "COMMIT", 0, nil, nil, nil, nil, 0) == 1, PQpipelineSync(handle) == 1 else {
            throw PostgresError.from(result: nil, connection: handle)
        }
        return try collectPipelineResults(commands: queued.count + 1, sql: queued.map(\.sql))
    }

    /// Reads every result up to the sync point. The first error wins; commands after it come
    /// back as PIPELINE_ABORTED (they never ran, COMMIT included, so the transaction is left
    /// failed and the caller rolls it back).
    private func collectPipelineResults(commands: Int, sql: [String]) throws -> String {
        var firstError: PostgresError?
        var tag = ""
        var command = 0
        var separators = 0
        while true {
            guard let result = PQgetResult(handle) else {
                // NULL ends one command's results; more than one per command means the connection is gone.
                separators += 1
                if separators > commands || PQstatus(handle) != CONNECTION_OK {
                    throw firstError ?? PostgresError.from(result: nil, connection: handle)
                }
                continue
            }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_SYNC:
                if let firstError { throw firstError }
                return tag
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                tag = String(cString: PQcmdStatus(result))
            case PGRES_PIPELINE_ABORTED:
                break
            default:
                let error = PostgresError.from(result: result, connection: handle)
                if command < sql.count, error.sqlState == "26000" || error.sqlState == "0A000" {
                    forgetPrepared(sql[command])
                }
                firstError = firstError ?? error
            }
            command += 1
        }
    }
}
