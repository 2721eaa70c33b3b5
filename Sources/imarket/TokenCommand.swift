import ArgumentParser
import ImarketApp

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token; prints it alone on the last line of standard output.")
        @Option(help: "admin, overseer, purchaser or agency.") var role: String
        @Option(help: "A label for the token (and the name of a new admin/overseer account).") var label: String
        @Option(help: "An existing account to issue the token for.") var account: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let role = Role(rawValue: role), role != .anonymous else {
                throw ValidationError("--role must be admin, overseer, purchaser or agency")
            }
            let issued = try await database.withDatabase { _, pool in
                try await AdminBootstrap.createToken(pool: pool, role: role, label: label, accountId: account)
            }
            print("token id \(issued.tokenId)")
            print(issued.token)
        }
    }
}
