import Foundation
import ImarketPostgres
import XCTest

final class BindingTests: PostgresTestCase {
    func testEveryBindableTypeRoundTrips() async throws {
        let pool = try makePool(size: 1)
        let date = Date(timeIntervalSince1970: 1_795_910_400.123456)
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xfe, 0xff]
        let row = try await pool.withConnection { connection in
            try connection.query("""
                SELECT $1::text AS s, $2::int8 AS i, $3::int8 AS i64, $4::int4 AS i32, $5::bool AS b,
                       $6::float8 AS d, $7::timestamptz AS ts, $8::bytea AS bin, $9::text[] AS sa,
                       $10::int8[] AS ia, $11::jsonb AS j, $12::text AS n, $13::bytea AS empty
                """, [
                    "héllo, 世界 🚀 'quoted' \"dq\" \\", Int.max, Int64.min, Int32(-7), true,
                    0.1, date, bytes, ["a,b", "c\"d", "e\\f", "NULL", "", "{x}"],
                    [Int64(1), -2, Int64.max], PostgresJSON(#"{"k": [1, "v"]}"#), nil, [UInt8](),
                ])[0]
        }
        XCTAssertEqual(try row.string("s"), "héllo, 世界 🚀 'quoted' \"dq\" \\")
        XCTAssertEqual(try row.int("i"), Int.max)
        XCTAssertEqual(try row.int64("i64"), Int64.min)
        XCTAssertEqual(try row.decode(Int32.self, "i32"), -7)
        XCTAssertEqual(try row.bool("b"), true)
        XCTAssertEqual(try row.double("d"), 0.1)
        XCTAssertEqual(try row.date("ts").timeIntervalSince1970, date.timeIntervalSince1970, accuracy: 0.000001)
        XCTAssertEqual(try row.string("ts"), "2026-11-29 00:00:00.123456+00")
        XCTAssertEqual(try row.bytes("bin"), bytes)
        XCTAssertEqual(try row.string("sa"), #"{"a,b","c\"d","e\\f","NULL","","{x}"}"#)
        XCTAssertEqual(try row.string("ia"), "{1,-2,9223372036854775807}")
        XCTAssertEqual(try row.string("j"), #"{"k": [1, "v"]}"#)
        XCTAssertNil(try row.optionalString("n"))
        XCTAssertTrue(try row.isNull("n"))
        XCTAssertEqual(try row.bytes("empty"), [])
        XCTAssertEqual(try row.string(0), try row.string("s"))
    }

    func testOptionalVariablesBindAsNullOrValue() async throws {
        let pool = try makePool(size: 1)
        let missing: String? = nil
        let present: Int64? = 5
        let row = try await pool.withConnection { try $0.query("SELECT $1::text AS a, $2::int8 AS b", [missing, present])[0] }
        XCTAssertNil(try row.optionalString("a"))
        XCTAssertEqual(try row.optionalInt64("b"), 5)
    }

    func testArrayElementsArriveAsData() async throws {
        let pool = try makePool(size: 1)
        let elements = ["a,b", "c\"d", "e\\f", "NULL", "", "{x}", "  spaced  "]
        let rows = try await pool.withConnection { connection in
            try connection.query("SELECT unnest($1::text[]) AS e", [elements])
        }
        XCTAssertEqual(try rows.map { try $0.string("e") }, elements)
    }

    func testTableRoundTripWithNullsAndDecodingErrors() async throws {
        let pool = try makePool(size: 1)
        try await pool.withConnection { connection in
            try connection.simpleQuery("""
                DROP TABLE IF EXISTS things;
                CREATE TABLE things (id bigserial PRIMARY KEY, name text, at timestamptz, ok boolean, price numeric, data bytea);
                """)
            let inserted = try connection.execute(
                "INSERT INTO things (name, at, ok, price, data) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)",
                ["x", Date(timeIntervalSince1970: 0), false, 12.5, [UInt8]([1, 2]), nil, nil, nil, nil, nil])
            XCTAssertEqual(inserted, 2)
        }
        let rows = try await pool.withConnection { try $0.query("SELECT * FROM things ORDER BY id") }
        XCTAssertEqual(rows.columns.names, ["id", "name", "at", "ok", "price", "data"])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(try rows[0].date("at"), Date(timeIntervalSince1970: 0))
        XCTAssertEqual(try rows[0].bool("ok"), false)
        XCTAssertEqual(try rows[0].double("price"), 12.5)
        XCTAssertNil(try rows[1].optionalDate("at"))
        XCTAssertNil(try rows[1].optionalBool("ok"))
        XCTAssertNil(try rows[1].optionalBytes("data"))
        for attempt in [{ try rows[1].string("name") }, { try rows[0].string("missing") }, { String(try rows[0].int("name")) }] {
            XCTAssertThrowsError(try attempt()) { error in
                XCTAssertEqual((error as? PostgresError)?.code, .decoding)
            }
        }
        XCTAssertThrowsError(try rows[0].int("name")) { error in
            XCTAssertTrue((error as? PostgresError)?.message.contains("\"name\"") ?? false)
        }
    }

    func testSameSQLIsPreparedOncePerConnection() async throws {
        let pool = try makePool(size: 1)
        let counts = try await pool.withConnection { connection -> [Int] in
            let before = connection.prepareCount
            try connection.query("SELECT $1::int8 + 1 AS n", [1])
            let afterFirst = connection.prepareCount
            let second = try connection.query("SELECT $1::int8 + 1 AS n", [41])[0].int("n")
            let afterSecond = connection.prepareCount
            try connection.query("SELECT $1::int8 + 2 AS n", [1])
            return [afterFirst - before, afterSecond - afterFirst, connection.prepareCount - afterSecond, second]
        }
        XCTAssertEqual(counts, [1, 0, 1, 42])
    }

    func testServerErrorIsReportedAndConnectionStaysUsable() async throws {
        let pool = try makePool(size: 1)
        let error = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT * FROM no_such_table") } }
        XCTAssertEqual(error?.code, .server)
        XCTAssertEqual(error?.sqlState, "42P01")
        XCTAssertFalse(error?.isConnectionFailure ?? true)
        let healthy = await pool.isHealthy()
        XCTAssertTrue(healthy)
    }

    func testNulByteInParameterIsRejected() async throws {
        let pool = try makePool(size: 1)
        let error = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT $1::text", ["a\u{0}b"]) } }
        XCTAssertEqual(error?.code, .invalidParameter)
    }
}
