import XCTest
@testable import ImarketDomain

final class DemandStateMachineTests: XCTestCase {
    static let events: [DemandEvent] = [
        .update, .publish, .amend,
        .close(.fail(reason: "insufficient_bids")), .close(.evaluate), .close(.select),
        .submitScores, .endPublicity, .reselect(winnerFound: true), .reselect(winnerFound: false), .cancel,
    ]

    /// The complete transition table; every pair not listed must be refused.
    static func expected(_ s: DemandState, _ e: DemandEvent) -> DemandState? {
        switch (s, e) {
        case (.draft, .update): return .draft
        case (.draft, .publish): return .open
        case (.draft, .cancel): return .cancelled
        case (.open, .amend): return .open
        case (.open, .close(.fail)): return .failed
        case (.open, .close(.evaluate)): return .evaluating
        case (.open, .close(.select)): return .publicity
        case (.open, .cancel): return .cancelled
        case (.evaluating, .submitScores): return .publicity
        case (.evaluating, .cancel): return .cancelled
        case (.publicity, .endPublicity): return .awarded
        case (.publicity, .reselect(true)): return .publicity
        case (.publicity, .reselect(false)): return .failed
        case (.awarded, .reselect(true)): return .publicity
        case (.awarded, .reselect(false)): return .failed
        case (.failed, .cancel): return .cancelled
        default: return nil
        }
    }

    func testEveryPairMatchesTheTable() {
        var allowedCount = 0
        for state in DemandState.allCases {
            for event in Self.events {
                let expected = Self.expected(state, event)
                if expected != nil { allowedCount += 1 }
                do {
                    let next = try DemandStateMachine.next(from: state, on: event)
                    XCTAssertEqual(next, expected, "\(state) + \(event)")
                } catch {
                    XCTAssertNil(expected, "\(state) + \(event) should be allowed")
                    XCTAssertEqual(error, .invalidTransition(from: state.rawValue, event: event.name))
                }
                XCTAssertEqual(DemandStateMachine.allows(event, in: state), expected != nil)
            }
        }
        XCTAssertEqual(allowedCount, 16, "the table above lists 16 allowed pairs")
    }

    func testRandomDemandLifecycle() throws {
        var m = DemandStateMachine()
        XCTAssertEqual(try m.apply(.update), .draft)
        XCTAssertEqual(try m.apply(.publish), .open)
        XCTAssertTrue(m.state.acceptsBids)
        XCTAssertEqual(try m.apply(.amend), .open)
        XCTAssertEqual(try m.apply(.close(.select)), .publicity)
        XCTAssertFalse(m.state.acceptsBids)
        XCTAssertEqual(try m.apply(.reselect(winnerFound: true)), .publicity, "upheld objection, new winner")
        XCTAssertEqual(try m.apply(.endPublicity), .awarded)
        XCTAssertEqual(try m.apply(.reselect(winnerFound: true)), .publicity, "declined before a contract")
        XCTAssertEqual(try m.apply(.reselect(winnerFound: false)), .failed, "too few left")
        XCTAssertEqual(try m.apply(.cancel), .cancelled)
        XCTAssertThrowsError(try m.apply(.publish))
    }

    func testCompositeGoesThroughEvaluating() throws {
        var m = DemandStateMachine(state: .open)
        XCTAssertEqual(try m.apply(.close(.evaluate)), .evaluating)
        XCTAssertThrowsError(try m.apply(.endPublicity)) {
            XCTAssertEqual($0 as? TransitionError, .invalidTransition(from: "evaluating", event: "end_publicity"))
        }
        XCTAssertEqual(m.state, .evaluating)
        XCTAssertEqual(try m.apply(.submitScores), .publicity)
    }

    func testClosingWithTooFewBidsFails() throws {
        var m = DemandStateMachine(state: .open)
        XCTAssertEqual(try m.apply(.close(.fail(reason: "insufficient_bids"))), .failed)
    }

    func testCancelOnlyFromTheContractStates() {
        let cancellable = DemandState.allCases.filter { DemandStateMachine.allows(.cancel, in: $0) }
        XCTAssertEqual(Set(cancellable), [.draft, .open, .failed, .evaluating])
    }

    func testUpdateOnlyInDraftAndAmendOnlyWhenOpen() {
        XCTAssertEqual(DemandState.allCases.filter { DemandStateMachine.allows(.update, in: $0) }, [.draft])
        XCTAssertEqual(DemandState.allCases.filter { DemandStateMachine.allows(.amend, in: $0) }, [.open])
    }

    func testClosedStatesRevealBids() {
        XCTAssertEqual(DemandState.allCases.filter(\.isClosed), [.evaluating, .publicity, .awarded, .failed])
    }

    func testRawValuesAreTheAPINames() {
        XCTAssertEqual(DemandState.allCases.map(\.rawValue),
                       ["draft", "open", "evaluating", "publicity", "awarded", "failed", "cancelled"])
    }

    func testSelectionDrivesClosing() throws {
        let bids = (1...3).map { SelectionBid(bidId: "b\($0)", agencyId: "a\($0)", priceFen: Int64($0) * 100) }
        let input = SelectionInput(method: .composite, bids: bids, weights: CompositeWeights(price: 50, quality: 50),
                                   minBidders: 3, drawSecret: DrawTests.secret, demandId: "D-1")
        var m = DemandStateMachine(state: .open)
        XCTAssertEqual(try m.apply(.close(Selection.closingDecision(input))), .evaluating)
    }
}
