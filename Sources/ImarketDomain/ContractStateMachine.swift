/// Contract states of API.md section 9:
///
///     pending_confirmation --confirm (agency)--> active --deliver (agency)--> delivered
///     delivered --accept true (purchaser)--> completed
///     delivered --accept false + note (purchaser)--> active   (rework, then deliver again)
///     pending_confirmation | active | delivered --terminate (purchaser, admin)--> terminated
///
/// `completed` and `terminated` are final. The machine only knows states; the server checks
/// who is calling (`ContractEvent.allowedParties` lists the contract's rule) and ownership.
public enum ContractState: String, Hashable, Sendable, CaseIterable {
    case pendingConfirmation = "pending_confirmation"
    case active
    case delivered
    case completed
    case terminated

    /// True for states no event leaves.
    public var isFinal: Bool { self == .completed || self == .terminated }
}

/// Who acts on a contract.
public enum ContractParty: String, Hashable, Sendable {
    case purchaser, agency, admin
}

/// Events that change a contract's state.
public enum ContractEvent: Hashable, Sendable {
    /// `contract.confirm` by the winning agency.
    case confirm
    /// `contract.deliver` by the agency.
    case deliver
    /// `contract.accept` with `accepted: true`.
    case accept
    /// `contract.accept` with `accepted: false`; the note says what must be reworked.
    case rejectDelivery(note: String)
    /// `contract.terminate` (with `faultOf`, which does not affect the state).
    case terminate

    /// The `contract.accept` event for the API's `{accepted, note?}`; a rejection without a
    /// non-blank note throws `noteRequired`.
    public static func acceptance(accepted: Bool, note: String?) throws(TransitionError) -> ContractEvent {
        if accepted { return .accept }
        guard let note, !note.allSatisfy(\.isWhitespace) else { throw .noteRequired }
        return .rejectDelivery(note: note)
    }

    /// Name used in errors.
    public var name: String {
        switch self {
        case .confirm: return "confirm"
        case .deliver: return "deliver"
        case .accept: return "accept"
        case .rejectDelivery: return "reject_delivery"
        case .terminate: return "terminate"
        }
    }

    /// The parties the contract allows to cause this event.
    public var allowedParties: Set<ContractParty> {
        switch self {
        case .confirm, .deliver: return [.agency]
        case .accept, .rejectDelivery: return [.purchaser]
        case .terminate: return [.purchaser, .admin]
        }
    }
}

/// A contract's state with its transition function.
public struct ContractStateMachine: Hashable, Sendable {
    public private(set) var state: ContractState

    /// A new contract starts `pending_confirmation`; stored contracts resume from their state.
    public init(state: ContractState = .pendingConfirmation) {
        self.state = state
    }

    /// Applies `event`, returning the new state; on error the state is unchanged.
    @discardableResult
    public mutating func apply(_ event: ContractEvent) throws(TransitionError) -> ContractState {
        state = try ContractStateMachine.next(from: state, on: event)
        return state
    }

    /// The state after `event` in `state`, or `invalidTransition`.
    public static func next(from state: ContractState, on event: ContractEvent) throws(TransitionError) -> ContractState {
        switch (state, event) {
        case (.pendingConfirmation, .confirm): return .active
        case (.active, .deliver): return .delivered
        case (.delivered, .accept): return .completed
        case (.delivered, .rejectDelivery(let note)):
            guard !note.allSatisfy(\.isWhitespace) else { throw .noteRequired }
            return .active
        case (.pendingConfirmation, .terminate), (.active, .terminate), (.delivered, .terminate):
            return .terminated
        default:
            throw .invalidTransition(from: state.rawValue, event: event.name)
        }
    }

    /// True iff `event` is allowed in `state` (ignoring note content).
    public static func allows(_ event: ContractEvent, in state: ContractState) -> Bool {
        (try? next(from: state, on: event.withPlaceholderNote)) != nil
    }
}

extension ContractEvent {
    /// The same event with a non-blank note, so `allows` asks about the state only.
    var withPlaceholderNote: ContractEvent {
        if case .rejectDelivery = self { return .rejectDelivery(note: "-") }
        return self
    }
}
