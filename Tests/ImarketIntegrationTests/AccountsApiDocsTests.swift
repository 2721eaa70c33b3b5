import Foundation
import ImarketJSONRPC
import XCTest

/// docs/api/ stays in step with `rpc.discover`: every registered method has a section, every
/// section names a registered method, and each section's **Roles** line equals its `x-roles`.
final class AccountsApiDocsTests: IntegrationTestCase {
    /// `### \`name\`` headings of docs/api/*.md with the roles line that follows each.
    private func documented() throws -> [String: [String]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("docs/api")
        var sections: [String: [String]] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".md") {
            let lines = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
            for (i, line) in lines.enumerated() where line.hasPrefix("### `") {
                let name = String(line.dropFirst(5).prefix { $0 != "`" })
                XCTAssertNil(sections[name], "\(name) documented twice")
                let rolesLine = lines[(i + 1)...].first { $0.hasPrefix("**Roles:**") } ?? ""
                sections[name] = rolesLine.dropFirst("**Roles:**".count).split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        return sections
    }

    func testEveryMethodIsDocumentedWithItsRoles() throws {
        let docs = try documented()
        let methods = try XCTUnwrap(anonymousClient().result("rpc.discover")["methods"]?.arrayValue)
        var names = Set<String>()
        for method in methods {
            let name = try XCTUnwrap(method["name"]?.stringValue)
            names.insert(name)
            guard let roles = docs[name] else {
                XCTFail("\(name) is not documented in docs/api/")
                continue
            }
            XCTAssertEqual(roles, method["x-roles"]?.arrayValue?.compactMap(\.stringValue), "roles of \(name) in docs/api/")
        }
        // rpc.discover describes the other methods, not itself.
        names.insert("rpc.discover")
        XCTAssertEqual(Set(docs.keys).subtracting(names), [], "documented but not registered")
    }

    func testIndexListsEveryPage() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("docs/api")
        let index = try String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8)
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".md") && file != "README.md" {
            XCTAssertTrue(index.contains("(\(file))"), "docs/api/README.md does not link \(file)")
        }
    }
}
