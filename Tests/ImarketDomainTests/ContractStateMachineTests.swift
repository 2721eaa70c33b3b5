import XCTest
@testable import ImarketDomain

final class ContractStateMachineTests: XCTestCase {
    static let events: [ContractEvent] = [.confirm, .deliver, .accept, .rejectDelivery(note: "fix page 3"), .terminate]

    /// The complete transition table: every (state, event) pair not listed must be refused.
    static let allowed: [ContractState: [String: ContractState]] = [
        .pendingConfirmation: ["confirm": .active, "terminate": .terminated],
        .active: ["deliver": .delivered, "terminate": .terminated],
        .delivered: ["accept": .completed, "reject_delivery": .active, "terminate": .terminated],
        .completed: [:],
        .terminated: [:],
    ]

    func testEveryPairMatchesTheTable() {
        for state in ContractState.allCases {
            for event in Self.events {
                let expected = Self.allowed[state]![event.name]
                do {
                    let next = try ContractStateMachine.next(from: state, on: event)
                    XCTAssertEqual(next, expected, "\(state) + \(event.name)")
                } catch {
                    XCTAssertNil(expected, "\(state) + \(event.name) should be allowed")
                    XCTAssertEqual(error, .invalidTransition(from: state.rawValue, event: event.name))
                }
                XCTAssertEqual(ContractStateMachine.allows(event, in: state), expected != nil)
            }
        }
    }

    func testHappyPathWithRework() throws {
        var m = ContractStateMachine()
        XCTAssertEqual(m.state, .pendingConfirmation)
        XCTAssertEqual(try m.apply(.confirm), .active)
        XCTAssertEqual(try m.apply(.deliver), .delivered)
        XCTAssertEqual(try m.apply(try .acceptance(accepted: false, note: "missing annex")), .active)
        XCTAssertEqual(try m.apply(.deliver), .delivered)
        XCTAssertEqual(try m.apply(try .acceptance(accepted: true, note: nil)), .completed)
        XCTAssertTrue(m.state.isFinal)
    }

    func testRefusedEventLeavesStateUnchanged() {
        var m = ContractStateMachine(state: .active)
        XCTAssertThrowsError(try m.apply(.accept)) {
            XCTAssertEqual($0 as? TransitionError, .invalidTransition(from: "active", event: "accept"))
            XCTAssertEqual(($0 as? TransitionError)?.reason, "invalid_state")
        }
        XCTAssertEqual(m.state, .active)
    }

    func testTerminateFromEveryOpenState() throws {
        for s in [ContractState.pendingConfirmation, .active, .delivered] {
            var m = ContractStateMachine(state: s)
            XCTAssertEqual(try m.apply(.terminate), .terminated)
        }
        for s in [ContractState.completed, .terminated] {
            var m = ContractStateMachine(state: s)
            XCTAssertThrowsError(try m.apply(.terminate))
        }
    }

    func testRejectionNeedsANote() {
        XCTAssertThrowsError(try ContractEvent.acceptance(accepted: false, note: nil)) {
            XCTAssertEqual($0 as? TransitionError, .noteRequired)
        }
        XCTAssertThrowsError(try ContractEvent.acceptance(accepted: false, note: "  \n")) {
            XCTAssertEqual(($0 as? TransitionError)?.reason, "note_required")
        }
        XCTAssertEqual(try ContractEvent.acceptance(accepted: true, note: nil), .accept)
        XCTAssertEqual(try ContractEvent.acceptance(accepted: false, note: "redo"), .rejectDelivery(note: "redo"))
        var m = ContractStateMachine(state: .delivered)
        XCTAssertThrowsError(try m.apply(.rejectDelivery(note: " "))) {
            XCTAssertEqual($0 as? TransitionError, .noteRequired)
        }
        XCTAssertEqual(m.state, .delivered)
    }

    func testAllowedParties() {
        XCTAssertEqual(ContractEvent.confirm.allowedParties, [.agency])
        XCTAssertEqual(ContractEvent.deliver.allowedParties, [.agency])
        XCTAssertEqual(ContractEvent.accept.allowedParties, [.purchaser])
        XCTAssertEqual(ContractEvent.rejectDelivery(note: "x").allowedParties, [.purchaser])
        XCTAssertEqual(ContractEvent.terminate.allowedParties, [.purchaser, .admin])
    }

    func testRawValuesAreTheAPINames() {
        XCTAssertEqual(ContractState.allCases.map(\.rawValue),
                       ["pending_confirmation", "active", "delivered", "completed", "terminated"])
    }
}
