import ArgumentParser
import Foundation
import ImarketApp

struct ComplianceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compliance", abstract: "Compliance tools.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import treasury payment records from a CSV file (header: \(PaymentCSVImport.header.joined(separator: ","))); rejected rows go to FILE.rejected.csv.")
        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("csv"), help: "The CSV file.") var csv: String

        func run() async throws {
            let report = try await database.withDatabase { _, pool in
                try await PaymentCSVImport.run(pool: pool, path: csv) { r in
                    let rate = r.seconds > 0 ? Int(Double(r.rows) / r.seconds) : 0
                    FileHandle.standardError.write(Data(
                        "\(r.rows) rows: \(r.accepted) accepted, \(r.duplicates) duplicates, \(r.rejected) rejected (\(rate) rows/s)\n".utf8))
                }
            }
            print("imported \(report.rows) rows in \(String(format: "%.1f", report.seconds)) s: \(report.accepted) accepted, \(report.duplicates) duplicates, \(report.rejected) rejected")
            if let file = report.rejectedFile { print("rejected rows: \(file)") }
        }
    }
}
