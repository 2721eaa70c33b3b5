import ArgumentParser
import Foundation
import ImarketApp

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Audit log tools.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every audit hash chain directly from the database; exit 1 if it is broken.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let result = try await database.withDatabase(migrate: false) { _, pool in
                try await AuditVerifier.verify(pool: pool)
            }
            if result.ok {
                print("audit log OK: \(result.entries) entries")
            } else {
                print("audit log BROKEN at entry \(result.brokenAt.map(String.init) ?? "?"): \(result.problem ?? "")")
                throw ExitCode(1)
            }
        }
    }
}
