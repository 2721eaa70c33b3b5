/// Demand states of API.md sections 7 and 8:
///
///     draft --publish--> open
///     open --close--> failed (too few valid bids, `insufficient_bids`)
///                   | evaluating (composite with enough bids)
///                   | publicity (winner selected)
///     evaluating --submitScores--> publicity
///     publicity --endPublicity--> awarded (period over, no open objection)
///     publicity --reselect--> publicity (upheld objection or decline; new winner) | failed (too few left)
///     awarded --reselect--> publicity | failed (award declined before a contract exists)
///     draft | open | failed | evaluating --cancel--> cancelled
///
/// `update` (draft only) and `amend` (open only) keep the state; they are events here so that
/// one table answers "does the state allow it" for every demand method. The machine knows
/// states only: the caller checks the clock, open objections and whether a contract exists.
/// `awarded` is final except for a decline; `cancelled` is final.
public enum DemandState: String, Hashable, Sendable, CaseIterable {
    case draft, open, evaluating, publicity, awarded, failed, cancelled

    /// True iff bids may be submitted, updated or withdrawn (before `biddingClosesAt`).
    public var acceptsBids: Bool { self == .open }

    /// True once bidding has closed, i.e. sealed bids become public.
    public var isClosed: Bool {
        switch self {
        case .draft, .open, .cancelled: return false
        case .evaluating, .publicity, .awarded, .failed: return true
        }
    }
}

/// Events that change (or are gated by) a demand's state.
public enum DemandEvent: Hashable, Sendable {
    /// `demand.update` (draft only, state unchanged).
    case update
    /// `demand.publish`.
    case publish
    /// `demand.amend` (open only, state unchanged).
    case amend
    /// The deadline `biddingClosesAt` passed; the decision comes from `Selection.closingDecision`.
    case close(ClosingDecision)
    /// `selection.score` completed the composite scores.
    case submitScores
    /// The publicity period ended with no open objection.
    case endPublicity
    /// The winning bid was disqualified (upheld objection) or declined and selection ran again:
    /// `winnerFound` is false when too few valid bids were left.
    case reselect(winnerFound: Bool)
    /// `demand.cancel`.
    case cancel

    /// Name used in errors.
    public var name: String {
        switch self {
        case .update: return "update"
        case .publish: return "publish"
        case .amend: return "amend"
        case .close: return "close"
        case .submitScores: return "submit_scores"
        case .endPublicity: return "end_publicity"
        case .reselect: return "reselect"
        case .cancel: return "cancel"
        }
    }
}

/// A demand's state with its transition function.
public struct DemandStateMachine: Hashable, Sendable {
    public private(set) var state: DemandState

    /// A new demand starts as a `draft`; stored demands resume from their state.
    public init(state: DemandState = .draft) {
        self.state = state
    }

    /// Applies `event`, returning the new state; on error the state is unchanged.
    @discardableResult
    public mutating func apply(_ event: DemandEvent) throws(TransitionError) -> DemandState {
        state = try DemandStateMachine.next(from: state, on: event)
        return state
    }

    /// The state after `event` in `state`, or `invalidTransition`.
    public static func next(from state: DemandState, on event: DemandEvent) throws(TransitionError) -> DemandState {
        switch (state, event) {
        case (.draft, .update): return .draft
        case (.draft, .publish): return .open
        case (.open, .amend): return .open
        case (.open, .close(let decision)):
            switch decision {
            case .fail: return .failed
            case .evaluate: return .evaluating
            case .select: return .publicity
            }
        case (.evaluating, .submitScores): return .publicity
        case (.publicity, .endPublicity): return .awarded
        case (.publicity, .reselect(let found)), (.awarded, .reselect(let found)):
            return found ? .publicity : .failed
        case (.draft, .cancel), (.open, .cancel), (.failed, .cancel), (.evaluating, .cancel):
            return .cancelled
        default:
            throw .invalidTransition(from: state.rawValue, event: event.name)
        }
    }

    /// True iff `event` is allowed in `state`.
    public static func allows(_ event: DemandEvent, in state: DemandState) -> Bool {
        (try? next(from: state, on: event)) != nil
    }
}
