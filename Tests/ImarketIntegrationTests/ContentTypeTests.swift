import XCTest

@testable import ImarketApp

/// `POST /rpc` accepts `application/json` in any case, with optional blanks and parameters.
final class ContentTypeTests: XCTestCase {
    func testJSONContentTypes() {
        for accepted in ["application/json", "Application/JSON", " application/json ", "\tapplication/json",
                         "application/json; charset=utf-8", "application/json;charset=UTF-8", "application/json ;x=1"] {
            XCTAssertTrue(RPCResponder.isJSON(accepted), accepted)
        }
        for refused in [nil, "", "application/jsonx", "application/jso", "text/json", "application/json-seq",
                        "application/json,text/plain", "xapplication/json", "application/ json"] {
            XCTAssertFalse(RPCResponder.isJSON(refused), refused ?? "nil")
        }
    }
}
