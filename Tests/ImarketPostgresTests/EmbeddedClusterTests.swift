import Foundation
import Glibc
import ImarketPostgres
import XCTest

/// A second, separate cluster with a deliberately long data path, so the socket
/// directory falls back to /tmp (the 107-byte sun_path limit) as well.
final class EmbeddedClusterTests: PostgresTestCase {
    private var root = ""

    @concurrent override func setUp() async throws {
        try await super.setUp()
        var template = Array("/tmp/imarket-ec-XXXXXX".utf8CString)
        root = String(cString: try XCTUnwrap(mkdtemp(&template)))
        chmod(root, 0o711)
    }

    private var socketDirectories: [String] = []

    @concurrent override func tearDown() async throws {
        try await super.tearDown()
        try? FileManager.default.removeItem(atPath: root)
        for directory in socketDirectories { try? FileManager.default.removeItem(atPath: directory) }
    }

    func testStartsSocketOnlyStopsAndRestartsReusingTheCluster() async throws {
        let dataDirectory = root + "/" + String(repeating: "d", count: 100) + "/cluster"
        let cluster = EmbeddedCluster(dataDirectory: dataDirectory, port: 5499, fastTestMode: true)
        defer { try? cluster.stop() }
        let conninfo = try await offloaded { try cluster.start() }
        XCTAssertTrue(conninfo.hasPrefix("host=/tmp/imarket-pg-"), conninfo)
        socketDirectories.append(String(conninfo.dropFirst("host=".count).prefix { $0 != " " }))
        XCTAssertTrue(conninfo.hasSuffix("port=5499 user=imarket dbname=imarket"), conninfo)

        let pool = try makePool(size: 1, conninfo: conninfo)
        let settings = try await pool.withConnection { connection in
            try connection.simpleQuery("CREATE TABLE survivor (x int); INSERT INTO survivor VALUES (42)")
            return try ["listen_addresses", "fsync", "server_encoding", "unix_socket_directories"].map {
                try connection.query("SELECT current_setting($1)", [$0])[0].string(0)
            }
        }
        XCTAssertEqual(settings[0], "", "must not listen on TCP")
        XCTAssertEqual(settings[1], "off")
        XCTAssertEqual(settings[2], "UTF8")
        var info = stat()
        XCTAssertEqual(stat(settings[3], &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700, "socket directory must be private")

        // Starting again while running adopts the running server.
        let again = try await offloaded { try cluster.start() }
        XCTAssertEqual(again, conninfo)

        try await offloaded { try cluster.stop() }
        XCTAssertFalse(cluster.isRunning)
        try await offloaded { try cluster.stop() }  // idempotent
        let down = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT 1") } }
        XCTAssertEqual(down?.code, .unavailable)

        // A crash leaves a stale postmaster.pid behind; start must cope with it.
        try "999999\n\(dataDirectory)\n0\n5499\n\n\n".write(
            toFile: dataDirectory + "/postmaster.pid", atomically: false, encoding: .utf8)
        XCTAssertFalse(cluster.isRunning)

        let restarted = try await offloaded { try cluster.start() }
        XCTAssertEqual(restarted, conninfo)
        try await Task.sleep(for: .milliseconds(300))  // past the pool's reconnect backoff
        let survivor = try await pool.withConnection { try $0.query("SELECT x FROM survivor")[0].int(0) }
        XCTAssertEqual(survivor, 42, "restart must reuse the existing cluster")
    }

    func testRootNeedsTraversableParents() async throws {
        try XCTSkipUnless(geteuid() == 0, "only meaningful when running as root")
        let hidden = root + "/hidden"
        XCTAssertEqual(mkdir(hidden, 0o700), 0)
        let cluster = EmbeddedCluster(dataDirectory: hidden + "/data", fastTestMode: true)
        XCTAssertThrowsError(try cluster.start()) { error in
            XCTAssertTrue(String(describing: error).contains("traversable"), "\(error)")
        }
    }
}
