import Foundation
import XCTest
import ImarketJSONRPC

final class OpenRPCTests: XCTestCase {
    func testSchemasAreDerivedFromCodableTypes() throws {
        let registry = SampleAPI.registry()
        XCTAssertEqual(registry.schemaProblems, [])
        let reg = registry.info(for: "agency.register")!
        XCTAssertEqual(reg.paramOrder, ["name", "contact", "qualifications", "decision", "limit", "tags", "idempotencyKey"])
        let s = reg.paramsSchema
        XCTAssertEqual(s["required"], ["name", "contact", "qualifications", "decision"])
        XCTAssertEqual(s["additionalProperties"], false)
        XCTAssertEqual(s["properties"]?["decision"], ["type": "string", "enum": ["approve", "reject"]])
        XCTAssertEqual(s["properties"]?["limit"], ["type": ["integer", "null"]])
        XCTAssertEqual(s["properties"]?["contact"]?["properties"]?["email"], ["type": ["string", "null"]])
        XCTAssertEqual(s["properties"]?["qualifications"]?["items"]?["required"], ["serviceType", "validUntil"])
        XCTAssertEqual(s["properties"]?["tags"]?["additionalProperties"], [:])
        XCTAssertEqual(reg.resultSchema["properties"]?["reviewedAt"], ["type": ["string", "null"]])
        XCTAssertEqual(registry.info(for: "subtract")!.resultSchema, ["type": "integer"])
    }

    func testDiscoverReturnsTheDocument() async throws {
        let engine = SampleAPI.engine()
        let out = await engine.run(#"{"jsonrpc":"2.0","method":"rpc.discover","id":1}"#, role: "anonymous")
        let v = try JSONParser.parse(Array(out!.utf8))
        XCTAssertEqual(v["result"], engine.openRPCDocument)
        let methods = engine.openRPCDocument["methods"]!.arrayValue!
        XCTAssertEqual(methods.first?["name"], "rpc.discover")
        XCTAssertEqual(methods.first?["x-roles"], ["anyone"])
        let admin = methods.first { $0["name"] == "admin.only" }!
        XCTAssertEqual(admin["x-roles"], ["admin"])
        XCTAssertEqual(admin["params"]?[0], ["name": "minuend", "required": true, "schema": ["type": "integer"]])
    }

    /// The generated document must validate against the OpenRPC meta-schema (draft 07).
    func testDocumentValidatesAgainstMetaSchema() throws {
        let metaSchema = "/work/shared/openrpc/meta-schema.json"
        guard FileManager.default.fileExists(atPath: metaSchema) else { throw XCTSkip("no meta-schema at \(metaSchema)") }
        let doc = SampleAPI.engine().openRPCDocument
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("openrpc-\(UUID().uuidString).json").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(doc.serialized())), "could not write \(path)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
            errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
            for e in errors: print(list(e.absolute_path), e.message[:300])
            sys.exit(1 if errors else 0)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, metaSchema, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
    }
}
