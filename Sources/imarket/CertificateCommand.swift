import ArgumentParser
import ImarketApp
import ImarketTLS

struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Client certificates that authenticate as an account.", subcommands: [Bind.self])

    struct Bind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bind a client certificate (PEM file or SHA-256 fingerprint) to an account.")
        @Option(help: "The account the certificate authenticates as.") var account: String
        @Option(help: "PEM certificate file.") var cert: String?
        @Option(help: "SHA-256 fingerprint of the certificate's DER (hex).") var fingerprint: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let print256: String
            if let cert {
                print256 = try DevCertificates.fingerprint(ofPEMCertificateAt: cert)
            } else if let fingerprint {
                print256 = fingerprint.lowercased().replacingOccurrences(of: ":", with: "")
            } else {
                throw ValidationError("give --cert or --fingerprint")
            }
            try await database.withDatabase { _, pool in
                try await CertificateBinding.bind(pool: pool, fingerprint: print256, accountId: account)
            }
            print("bound \(print256) to \(account)")
        }
    }
}
