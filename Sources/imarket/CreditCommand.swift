import ArgumentParser
import Foundation
import ImarketApp

struct CreditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "credit", abstract: "Agency credit tools.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every agency's credit score from the stored evaluations and penalties; exit 1 if any stored score differs.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (checked, mismatches) = try await database.withDatabase(migrate: false) { _, pool in
                try await pool.transaction(isolation: .repeatableRead) { try CreditStore.verify($0) }
            }
            if mismatches.isEmpty {
                print("credit OK: \(checked) agencies")
            } else {
                for m in mismatches { print("credit MISMATCH \(m)") }
                print("credit BROKEN: \(mismatches.count) of \(checked) agencies")
                throw ExitCode(1)
            }
        }
    }
}
