import Foundation
import ImarketJSONRPC
import ImarketPostgres

/// `imarket compliance import --csv FILE`: streams a CSV of PaymentRecords through the same
/// validation and set-based insert as `compliance.importPayments`, 10,000 rows per transaction
/// (each audited once as a `payment_import`). Rejected rows are written, with their reason and
/// field, to `FILE.rejected.csv`.
public enum PaymentCSVImport {
    public static let header = ["externalId", "payerCreditCode", "payeeCreditCode", "payeeName", "amountFen", "paidOn",
                                "fundSource", "economicCode", "purpose", "contractRef"]
    public static let batchSize = 10_000

    public struct Report: Sendable {
        public var rows = 0, accepted = 0, duplicates = 0, rejected = 0
        public var seconds = 0.0
        public var rejectedFile: String?
    }

    public struct CSVError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Imports `path`; `progress` is called after every batch with the running totals.
    public static func run(pool: PostgresPool, path: String, progress: (Report) -> Void) async throws -> Report {
        guard let input = fopen(path, "r") else { throw CSVError(description: "cannot open \(path)") }
        defer { fclose(input) }
        let rejectedPath = path + ".rejected.csv"
        var rejectedOut: UnsafeMutablePointer<FILE>?
        defer { if let f = rejectedOut { fclose(f) } }
        let start = Date()
        var report = Report()
        var reader = CSVReader(file: input)
        guard let head = reader.next() else { throw CSVError(description: "\(path) is empty") }
        let columns = Dictionary(head.enumerated().map { ($1.trimmingCharacters(in: .whitespaces), $0) }, uniquingKeysWith: { a, _ in a })
        for name in header.dropLast() where columns[name] == nil { throw CSVError(description: "missing column \(name)") }
        var done = false
        while !done {
            var raw: [[String]] = []
            while raw.count < batchSize, let fields = reader.next() { raw.append(fields) }
            done = raw.count < batchSize
            if raw.isEmpty { break }
            var records: [PaymentRecord] = []
            var unreadable: [PaymentReject] = []
            var positions: [Int] = []   // index in `raw` of each record
            for (i, fields) in raw.enumerated() {
                func field(_ name: String) -> String { columns[name].flatMap { $0 < fields.count ? fields[$0] : nil } ?? "" }
                guard let amount = Int64(field("amountFen")) else {
                    unreadable.append(PaymentReject(index: i, reason: "invalid_amount", field: "amountFen"))
                    continue
                }
                let ref = field("contractRef")
                records.append(PaymentRecord(externalId: field("externalId"), payerCreditCode: field("payerCreditCode"),
                                             payeeCreditCode: field("payeeCreditCode"), payeeName: field("payeeName"),
                                             amountFen: amount, paidOn: field("paidOn"), fundSource: field("fundSource"),
                                             economicCode: field("economicCode"), purpose: field("purpose"),
                                             contractRef: ref.isEmpty ? nil : ref))
                positions.append(i)
            }
            let importId = Identifiers.make("imp")
            let batch = records
            let result = try await pool.transaction { c -> ImportResult in
                let r = try PaymentImport.run(c, importId: importId, records: batch)
                let json = try JSONValueEncoder().encode(r)
                let params: JSONValue = ["file": .string(path), "importId": .string(importId), "records": .number(JSONNumber(batch.count))]
                try AuditLog.append(c, actorId: nil, method: "cli.compliance.import", subject: AuditSubject("payment_import", importId),
                                        digest: AuditLog.digest(params: params, result: json))
                return r
            }
            let rejects = (unreadable + result.rejected.map { PaymentReject(index: positions[$0.index], reason: $0.reason, field: $0.field) })
                .sorted { $0.index < $1.index }
            if !rejects.isEmpty {
                if rejectedOut == nil {
                    rejectedOut = fopen(rejectedPath, "w")
                    guard rejectedOut != nil else { throw CSVError(description: "cannot write \(rejectedPath)") }
                    fputs(CSVReader.line(head + ["reason", "field"]), rejectedOut)
                    report.rejectedFile = rejectedPath
                }
                for r in rejects { fputs(CSVReader.line(raw[r.index] + [r.reason, r.field]), rejectedOut) }
            }
            report.rows += raw.count
            report.accepted += result.accepted
            report.duplicates += result.duplicates
            report.rejected += rejects.count
            report.seconds = Date().timeIntervalSince(start)
            progress(report)
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }
}

/// RFC 4180 CSV: comma separated, fields optionally in double quotes ("" for a quote inside),
/// quoted fields may span lines. Reads one record at a time.
struct CSVReader {
    let file: UnsafeMutablePointer<FILE>

    mutating func next() -> [String]? {
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false, inQuotes = false, sawAny = false
        while true {
            let ch = getc(file)
            if ch == EOF {
                if !sawAny { return nil }
                fields.append(String(decoding: field, as: UTF8.self))
                return fields
            }
            sawAny = true
            let b = UInt8(truncatingIfNeeded: ch)
            if inQuotes {
                if b == 0x22 {
                    let peek = getc(file)
                    if peek == 0x22 { field.append(0x22) } else { inQuotes = false; if peek != EOF { ungetc(peek, file) } }
                } else { field.append(b) }
            } else if b == 0x22 && field.isEmpty && !quoted {
                inQuotes = true; quoted = true
            } else if b == 0x2C {
                fields.append(String(decoding: field, as: UTF8.self)); field = []; quoted = false
            } else if b == 0x0A {
                if field.last == 0x0D { field.removeLast() }
                fields.append(String(decoding: field, as: UTF8.self))
                if fields == [""] { fields = []; field = []; sawAny = false; continue }   // blank line
                return fields
            } else {
                field.append(b)
            }
        }
    }

    static func line(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\n"
    }
}
